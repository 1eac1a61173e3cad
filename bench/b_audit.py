"""Bench: time travel on a long stream against a short one, and whole-ledger
`verify` throughput.

Run by the bench runner (`make bench`), which imports every bench/b_*.py and
calls `run(ctx)` with `ctx.url` (a running server), `ctx.token(sub, role)` and
`ctx.database_url`. The streams are appended straight through the write side
(one transaction each), then the server's projector writes their snapshots.

Targets (ISSUE 5): `timetravel_ratio_5000_vs_50` <= 3; `verify_entries_per_s`
>= 50,000 with memory that does not grow with the ledger."""

from __future__ import annotations

import asyncio
import resource
import statistics
import time
from typing import Any
from uuid import UUID

import asyncpg
import httpx

from domain.organisations.aggregates import Startup
from infra.eventstore import open_write_side
from projections.organisations import evolve_organisation
from projections.queries.ledger import verify
from projections.queries.timetravel import fold_stream

READS = 40
VERIFY_MIN_ENTRIES = 40_000
QUERY = "query($id: ID!, $v: Int) { startup(id: $id, atVersion: $v) { version name description } }"


def _endpoint(url: str) -> str:
    return url if url.rstrip("/").endswith("/graphql") else url.rstrip("/") + "/graphql"


def append_long_stream(database_url: str, events: int) -> UUID:
    """One startup stream of `events` events, appended in one transaction."""
    write = open_write_side(database_url, pool_size=2)
    try:
        startup = Startup(name="Bench", siren="000000018", description="v0", website=None,
                          city=None, founded_year=None, sectors=[], technologies=[],
                          admin_user_id="bench", admin_contact="-", meta={})
        for i in range(1, events):
            startup.update_profile({"description": f"v{i}"}, meta={})
        write.ledger.save(startup)
        return UUID(str(startup.id))
    finally:
        write.close()


async def _settle(conn: asyncpg.Connection, timeout: float = 180.0) -> None:
    head = await conn.fetchval("SELECT coalesce(max(notification_id), 0) FROM ledger_events")
    deadline = time.monotonic() + timeout
    while await conn.fetchval("SELECT min(position) FROM projection_tracking") < head:
        if time.monotonic() > deadline:
            raise TimeoutError("projections did not reach the ledger head")
        await asyncio.sleep(0.1)


async def _graphql_ms(client: httpx.AsyncClient, url: str, stream_id: UUID, version: int) -> float:
    timings = []
    for _ in range(READS):
        started = time.perf_counter()
        response = await client.post(url, json={"query": QUERY,
                                                "variables": {"id": str(stream_id), "v": version}})
        timings.append(time.perf_counter() - started)
        assert response.json()["data"]["startup"]["version"] == version
    return statistics.median(timings) * 1000


async def _fold_ms(conn: asyncpg.Connection, stream_id: UUID, version: int) -> float:
    timings = []
    for _ in range(READS):
        started = time.perf_counter()
        await fold_stream(conn, stream_id, evolve_organisation, None, version)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


async def _time_travel(ctx: Any, conn: asyncpg.Connection) -> dict[str, float]:
    short = await asyncio.to_thread(append_long_stream, ctx.database_url, 50)
    long = await asyncio.to_thread(append_long_stream, ctx.database_url, 5000)
    await _settle(conn)
    url = _endpoint(ctx.url)
    async with httpx.AsyncClient(timeout=30) as client:
        await _graphql_ms(client, url, short, 50)  # warm-up
        http_50 = await _graphql_ms(client, url, short, 50)
        http_5000 = await _graphql_ms(client, url, long, 5000)
        http_4999 = await _graphql_ms(client, url, long, 4999)
    fold_50, fold_4999 = await _fold_ms(conn, short, 50), await _fold_ms(conn, long, 4999)
    return {
        "timetravel_50_ms": http_50, "timetravel_5000_ms": http_5000,
        "timetravel_ratio_5000_vs_50": http_5000 / http_50,
        "timetravel_ratio_4999_vs_50": http_4999 / http_50,
        "fold_ratio_4999_vs_50": fold_4999 / fold_50,
    }


async def _verify(ctx: Any, conn: asyncpg.Connection) -> dict[str, float]:
    while await conn.fetchval("SELECT count(*) FROM ledger_events") < VERIFY_MIN_ENTRIES:
        await asyncio.to_thread(append_long_stream, ctx.database_url, 5000)
    headers = {"Authorization": f"Bearer {ctx.token('bench-auditor', 'auditor')}"}
    async with httpx.AsyncClient(timeout=120, headers=headers) as client:
        started = time.perf_counter()
        response = await client.post(_endpoint(ctx.url), json={
            "query": "{ verify { valid checkedEntries } }"})
        elapsed = time.perf_counter() - started
    verdict = response.json()["data"]["verify"]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    direct = await verify(conn, None)
    direct_elapsed = time.perf_counter() - started
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    return {
        "verify_entries": float(verdict["checkedEntries"]),
        "verify_valid": float(verdict["valid"]),
        "verify_entries_per_s": verdict["checkedEntries"] / elapsed,
        "verify_direct_entries_per_s": direct.checked / direct_elapsed,
        # Peak RSS growth of this process while verifying (kB → MB): a cursor's
        # prefetch window, whatever the ledger's length.
        "verify_direct_rss_growth_mb": rss_growth / 1024,
    }


async def run(ctx: Any) -> dict[str, float]:
    conn = await asyncpg.connect(ctx.database_url)
    try:
        return {**await _time_travel(ctx, conn), **await _verify(ctx, conn)}
    finally:
        await conn.close()
