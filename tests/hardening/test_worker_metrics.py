"""/metrics with several HTTP workers (PASSERELLE_WORKERS=2,
infra/shared_metrics.py): whichever worker answers a scrape reports every
worker's counts; live subscribers are summed over the running workers, and a
worker killed outright stops counting once uvicorn has replaced it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.live.client import LiveClient, live_client
from tests.live.support import token
from tests.support.servers import Server, running
from tests.support.workers import Connection, worker_at

pytestmark = [
    pytest.mark.slow, pytest.mark.e2e,
    pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux /proc"),
]


def _scrape(server: Server) -> tuple[int | None, list[tuple[str, dict[str, str], float]]]:
    """One scrape on a new connection: the worker that answered, the samples."""
    connection = Connection(server)
    try:
        text = connection.get("/metrics")
        pid = connection.worker()
    finally:
        connection.close()
    return pid, [(s.name, s.labels, s.value) for family in text_string_to_metric_families(text)
                 for s in family.samples]


def _scrapes_from_both_workers(server: Server) -> list[list[tuple[str, dict[str, str], float]]]:
    """A scrape answered by each worker (new connections until both have)."""
    answers: dict[int, list[tuple[str, dict[str, str], float]]] = {}
    for _ in range(200):
        pid, samples = _scrape(server)
        if pid is not None:
            answers.setdefault(pid, samples)
        if len(answers) == 2:
            return list(answers.values())
    raise AssertionError("every scrape went to the same worker")


def _graphql_requests(samples: list[tuple[str, dict[str, str], float]]) -> float:
    return sum(value for name, labels, value in samples
               if name == "passerelle_http_request_seconds_count"
               and labels.get("route") == "/graphql")


def _subscribers(samples: list[tuple[str, dict[str, str], float]]) -> float:
    return sum(value for name, _, value in samples if name == "passerelle_subscribers")


def test_either_worker_answers_a_scrape_with_both_workers_requests(database_url: str) -> None:
    with running(database_url, PASSERELLE_WORKERS="2") as server:
        answered: Counter[int | None] = Counter()
        while len(answered) < 2 or min(answered.values()) < 2:
            assert sum(answered.values()) < 200, f"one worker took them all: {answered}"
            connection = Connection(server)
            connection.post("{ __typename }", {})
            answered[connection.worker()] += 1
            connection.close()
        assert None not in answered

        _scrapes_from_both_workers(server)  # each has read its pool once
        for samples in _scrapes_from_both_workers(server):
            assert _graphql_requests(samples) == sum(answered.values())
            # The database's figures once, as the answering worker read them;
            # each worker's pool apart, as it was at its last scrape.
            assert [labels for name, labels, _ in samples
                    if name == "passerelle_ledger_head"] == [{}]
            pools = [labels for name, labels, _ in samples
                     if name == "passerelle_pool_connections"]
            assert len({labels["pid"] for labels in pools}) == 2


async def _subscribed_on_both_workers(server: Server, stack: contextlib.AsyncExitStack
                                      ) -> dict[int, int]:
    """Subscribers opened until each worker holds two: how many each holds."""
    held: Counter[int] = Counter()
    for i in range(60):
        client: LiveClient = await stack.enter_async_context(
            live_client(server.ws_url, token(f"worker-metrics-{i}", "auditor")))
        await client.subscribe()
        pid = worker_at(server, client.ws.local_address[1])
        assert pid is not None
        held[pid] += 1
        if len(held) == 2 and min(held.values()) >= 2:
            return dict(held)
    raise AssertionError(f"the subscribers did not spread over both workers: {held}")


async def _until_both_workers_report(server: Server, subscribers: int,
                                     timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        seen = [_subscribers(s) for s in _scrapes_from_both_workers(server)]
        if seen == [subscribers, subscribers]:
            return
        assert time.monotonic() < deadline, f"{seen}, not {subscribers} from both workers"
        await asyncio.sleep(0.2)


async def test_subscribers_are_summed_over_the_running_workers(database_url: str) -> None:
    with running(database_url, PASSERELLE_WORKERS="2") as server:
        async with contextlib.AsyncExitStack() as stack:
            held = await _subscribed_on_both_workers(server, stack)
            await _until_both_workers_report(server, sum(held.values()))

            killed, lost = next(iter(held.items()))
            os.kill(killed, signal.SIGKILL)  # its sockets close; uvicorn starts another

            await _until_both_workers_report(server, sum(held.values()) - lost)
