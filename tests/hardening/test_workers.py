"""Several HTTP worker processes behind one port (PASSERELLE_WORKERS) and the
projections in a process of their own (PASSERELLE_PROJECTOR_PROCESS): a
mutation answered by one worker is seen at once by a read through another;
the workers take over the projections when the projector process dies; a
SIGKILLed `serve` takes every process of the server with it.

Which worker answered is read from the kernel (tests/support/workers.py)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from demo.organisations import siren_for
from tests.faults.support import REGISTER, registration
from tests.support.servers import Server, running
from tests.support.workers import Connection, children, connection_to

pytestmark = [
    pytest.mark.slow, pytest.mark.e2e,
    pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux /proc"),
]

READ = "query($id: ID!) { startup(id: $id) { id name version } }"


def _other_worker(server: Server, than: int | None) -> Connection:
    """A new connection that landed on another worker than `than`."""
    return connection_to(server, lambda pid: pid != than)[0]


def _register(connection: Connection, n: int) -> dict[str, Any]:
    variables, bearer = registration(n, siren_for(700_000 + n))
    body = connection.post(REGISTER, variables, bearer)
    payload = body["data"]["registerStartup"]
    assert payload["userErrors"] == [] and payload["startup"], body
    return dict(payload["startup"])


def test_a_write_through_one_worker_is_read_at_once_through_another(database_url: str) -> None:
    with running(database_url, PASSERELLE_WORKERS="2") as server:
        seen: set[int] = set()
        for n in range(6):
            writer = Connection(server)
            startup = _register(writer, n)
            writer_pid = writer.worker()
            reader = _other_worker(server, writer_pid)
            read = reader.post(READ, {"id": startup["id"]})
            assert read == {"data": {"startup": {"id": startup["id"], "name": f"Startup {n}",
                                                 "version": 1}}}
            seen |= {p for p in (writer_pid, reader.worker()) if p is not None}
            writer.close()
            reader.close()
        assert len(seen) == 2, "both workers answered"


def _projector_process(server: Server) -> int:
    """With one worker, the only child of `serve` started by multiprocessing
    (the other one is its resource tracker)."""
    for pid in children(server.process.pid):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"spawn_main" in cmdline:
            return pid
    raise AssertionError("no projector process")


def test_the_http_process_takes_over_when_the_projector_process_dies(
    database_url: str,
) -> None:
    with running(database_url) as server:
        connection = Connection(server)
        _register(connection, 100)  # projected by the projector process
        os.kill(_projector_process(server), signal.SIGKILL)
        variables, bearer = registration(101, siren_for(700_101))
        deadline = time.monotonic() + 40  # the fallback waits 10 s, then retries each second
        while True:  # the same idempotency key: one registration, however many tries
            body = connection.post(REGISTER, variables, bearer)
            if body["data"]["registerStartup"]["startup"] or time.monotonic() > deadline:
                break
        startup = body["data"]["registerStartup"]["startup"]
        assert startup, body
        read = connection.post(READ, {"id": startup["id"]})
        assert read["data"]["startup"]["name"] == "Startup 101"
        connection.close()


def test_a_killed_serve_takes_its_workers_and_projector_with_it(database_url: str) -> None:
    with running(database_url, PASSERELLE_WORKERS="2") as server:
        processes = children(server.process.pid)
        assert len(processes) >= 3  # two workers and the projector (and a resource tracker)
        server.kill()
        # They get SIGKILL at once (PR_SET_PDEATHSIG); the margin is for a
        # machine loaded by other suites (10 s was missed there once).
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in processes):
            assert time.monotonic() < deadline, "children outlived the killed server"
            time.sleep(0.1)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False
