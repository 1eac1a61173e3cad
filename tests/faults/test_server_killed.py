"""SIGKILL the server during a burst of 500 concurrent mutations: after a
restart every mutation that had answered success is in the ledger, none is
there twice (retrying every one with its idempotency key appends nothing for
those that had applied), every projection equals a rebuild from zero, and the
ledger verifies."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from demo.organisations import siren_for
from tests.faults.support import (
    REGISTER,
    Outcome,
    post,
    registered_id,
    registration,
    verify_ledger,
    wait_projected,
)
from tests.support.db import TemplateDatabases
from tests.support.rebuild import tables_unlike_a_rebuild
from tests.support.servers import launch, running

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

BURST = 500
KILL_AFTER = 60  # successes seen before the SIGKILL: mid-burst, mutations in flight


@pytest.fixture
def fresh_database_url(_template_databases: TemplateDatabases) -> Iterator[str]:
    name, url = _template_databases.clone()
    yield url
    _template_databases.drop_later(name)


async def _burst(url: str, kill: asyncio.Event) -> list[Outcome]:
    """Sends every registration at once; sets `kill` after KILL_AFTER successes."""
    succeeded = 0
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)

    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        async def one(n: int) -> Outcome:
            nonlocal succeeded
            variables, bearer = registration(n, siren_for(500_000 + n))
            outcome = await post(http, url, REGISTER, variables, bearer)
            if registered_id(outcome):
                succeeded += 1
                if succeeded >= KILL_AFTER:
                    kill.set()
            return outcome

        return list(await asyncio.gather(*(one(n) for n in range(BURST))))


async def test_a_server_killed_mid_burst_loses_nothing_and_applies_nothing_twice(
    database_url: str, fresh_database_url: str,
) -> None:
    victim = launch(database_url)
    try:
        victim.wait_ready()
        kill = asyncio.Event()
        burst = asyncio.create_task(_burst(victim.url, kill))
        await asyncio.wait_for(kill.wait(), 120)
        victim.kill()
        outcomes = await burst
    finally:
        victim.kill()
        victim.log.unlink(missing_ok=True)

    answered = {n: i for n, o in enumerate(outcomes) if (i := registered_id(o))}
    unanswered = [n for n, o in enumerate(outcomes) if o.status is None]
    assert KILL_AFTER <= len(answered) < BURST, "the kill must land mid-burst"
    assert unanswered, "some requests were cut off by the kill"
    print(f"kill: {len(answered)} answered success, {len(unanswered)} cut off")

    conn = await asyncpg.connect(database_url)
    try:
        in_ledger = {str(r["originator_id"]) for r in await conn.fetch(
            "SELECT originator_id FROM ledger_events WHERE event_type = 'StartupRegistered'")}
        assert set(answered.values()) <= in_ledger  # every success survived the kill

        with running(database_url) as restarted:
            async with httpx.AsyncClient(timeout=60) as http:
                lanes = asyncio.Semaphore(16)

                async def retry(n: int) -> Outcome:
                    async with lanes:
                        return await post(http, restarted.url, REGISTER,
                                          *registration(n, siren_for(500_000 + n)))

                retried = list(await asyncio.gather(*(retry(n) for n in range(BURST))))
            for n, startup_id in answered.items():  # a retry returns the first result
                assert registered_id(retried[n]) == startup_id, (n, retried[n])
            assert all(registered_id(o) for o in retried), [
                o for o in retried if not registered_id(o)][:3]
            registered = await conn.fetchval(
                "SELECT count(*) FROM ledger_events WHERE event_type = 'StartupRegistered'")
            claims = await conn.fetchval("SELECT count(*) FROM unique_claims WHERE kind = 'SIREN'")
            keys = await conn.fetchval("SELECT count(*) FROM idempotency_keys"
                                       " WHERE key LIKE 'fault-%'")
            assert registered == claims == keys == BURST  # each applied exactly once

            head = await wait_projected(database_url)
            assert await tables_unlike_a_rebuild(database_url, fresh_database_url) == []
            verdict = await verify_ledger(restarted.url)
    finally:
        await conn.close()
    assert verdict["valid"] is True, verdict
    assert verdict["checkedEntries"] == head
