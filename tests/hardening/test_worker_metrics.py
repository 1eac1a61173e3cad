"""/metrics with several HTTP workers (PASSERELLE_WORKERS=2,
infra/shared_metrics.py): whichever worker answers a scrape reports every
worker's counts; live subscribers are summed over the running workers, and a
worker killed outright stops counting once uvicorn has replaced it; the
directory the workers share is gone when the server stops."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.live.client import LiveClient, live_client
from tests.live.support import token
from tests.support.servers import Server, running
from tests.support.workers import children, connection_to, worker_at

pytestmark = [
    pytest.mark.slow, pytest.mark.e2e,
    pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux /proc"),
]

Samples = list[tuple[str, dict[str, str], float]]


def _scrape_each_worker(server: Server) -> list[Samples]:
    """A scrape answered by each of the two workers."""
    answers: dict[int, Samples] = {}
    while len(answers) < 2:
        connection, pid = connection_to(server, lambda pid: pid not in answers)
        text = connection.get("/metrics")
        connection.close()
        answers[pid] = [(s.name, s.labels, s.value)
                        for family in text_string_to_metric_families(text)
                        for s in family.samples]
    return list(answers.values())


def _named(samples: Samples, name: str) -> list[tuple[dict[str, str], float]]:
    return [(labels, value) for sample, labels, value in samples if sample == name]


def _graphql_requests(samples: Samples) -> float:
    return sum(value for labels, value in _named(samples, "passerelle_http_request_seconds_count")
               if labels.get("route") == "/graphql")


def _ledger_head(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT coalesce(max(notification_id), 0) FROM ledger_events"
                           ).fetchone()
    assert row is not None
    return int(row[0])


def test_either_worker_answers_a_scrape_with_both_workers_requests(database_url: str) -> None:
    with running(database_url, PASSERELLE_WORKERS="2") as server:
        first, first_pid = connection_to(server, lambda pid: True)
        second, _ = connection_to(server, lambda pid: pid != first_pid)
        for connection, requests in ((first, 3), (second, 2)):  # kept alive: one worker each
            for _ in range(requests):
                connection.post("{ __typename }", {})
            connection.close()

        _scrape_each_worker(server)  # each worker has read its pool once
        for samples in _scrape_each_worker(server):
            assert _graphql_requests(samples) == 5
            # The database's figures once, as the answering worker read them;
            # each worker's pool apart, as it was at that worker's last scrape.
            assert _named(samples, "passerelle_ledger_head") == [({}, _ledger_head(database_url))]
            pools = _named(samples, "passerelle_pool_connections")
            assert len({labels["pid"] for labels, _ in pools}) == 2


def test_the_shared_directory_is_removed_when_the_server_stops(database_url: str) -> None:
    with running(database_url, PASSERELLE_WORKERS="2") as server:
        _, pid = connection_to(server, lambda pid: True)
        environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        [directory] = [Path(v.split(b"=", 1)[1].decode()) for v in environment
                       if v.startswith(b"PROMETHEUS_MULTIPROC_DIR=")]
        assert any(directory.iterdir())  # the workers' files
    assert not directory.exists()


async def _subscribed_on_both_workers(server: Server, stack: contextlib.AsyncExitStack
                                      ) -> dict[int, int]:
    """Subscribers opened until each worker holds two: how many each holds."""
    held: Counter[int] = Counter()
    deadline = time.monotonic() + 60
    while len(held) < 2 or min(held.values()) < 2:
        assert time.monotonic() < deadline, f"the subscribers stayed on one worker: {held}"
        client: LiveClient = await stack.enter_async_context(
            live_client(server.ws_url, token(f"worker-metrics-{sum(held.values())}", "auditor")))
        await client.subscribe()
        pid = worker_at(server, client.ws.local_address[1])
        assert pid is not None
        held[pid] += 1
    return dict(held)


async def _until_each_worker_reports(server: Server, subscribers: int,
                                     timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        seen = [_named(s, "passerelle_subscribers") for s in _scrape_each_worker(server)]
        if seen == [[({}, subscribers)]] * 2:  # one sum, not one series per worker
            return
        assert time.monotonic() < deadline, f"{seen}, not {subscribers} from each worker"
        await asyncio.sleep(0.2)


async def test_subscribers_are_summed_over_the_running_workers(database_url: str) -> None:
    with running(database_url, PASSERELLE_WORKERS="2") as server:
        async with contextlib.AsyncExitStack() as stack:
            held = await _subscribed_on_both_workers(server, stack)
            await _until_each_worker_reports(server, sum(held.values()))

            killed, lost = next(iter(held.items()))
            os.kill(killed, signal.SIGKILL)  # its sockets close; uvicorn starts another
            deadline = time.monotonic() + 60
            while killed in children(server.process.pid):  # until reaped
                assert time.monotonic() < deadline, "the killed worker was not reaped"
                await asyncio.sleep(0.1)

            await _until_each_worker_reports(server, sum(held.values()) - lost)
