"""A rebuild of the stats projection from zero gives exactly the figures (and
rows) of live processing. The scripted history is appended to the real ledger
(`ledger_append`, the event store's only writer) and dated as scripted."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from typing import Any, cast

import asyncpg
import orjson
import pytest

from projections.engine import Projector
from projections.entries import Entry
from projections.queries.stats import platform_figures
from projections.stats import StatsProjection
from tests.content.history import EXPECTED, scripted_entries

STATS_TABLES = {"stats_counters": "name", "stats_money": "name, currency", "stats_calls": "id",
                "stats_agreements": "id", "stats_pairs": "corporate_id, startup_id"}


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    yield created
    await created.close()


async def append(pool: asyncpg.Pool, entries: Sequence[Entry]) -> None:
    """Appends the entries, then dates them as scripted (which breaks the hash
    chain: irrelevant here, nothing verifies it)."""
    for e in entries:
        state = orjson.dumps({**e.data, "meta": {}})
        await pool.execute("SELECT ledger_append($1::uuid[], $2::bigint[], $3::text[],"
                           " $4::bytea[])", [e.stream_id], [e.version], [e.topic], [state])
        await pool.execute("UPDATE ledger_events SET occurred_at = $2 WHERE notification_id = $1",
                           e.position, e.occurred_at)


async def snapshot(pool: asyncpg.Pool) -> dict[str, Any]:
    async with pool.acquire() as proxy:
        conn = cast(asyncpg.Connection, proxy)
        state: dict[str, Any] = {"figures": dataclasses.asdict(await platform_figures(conn))}
        for table, key in STATS_TABLES.items():
            state[table] = [tuple(r) for r in await conn.fetch(
                f"SELECT * FROM {table} ORDER BY {key}")]
    return state


async def rebuild(pool: asyncpg.Pool, batch_size: int) -> None:
    """Rewinds the projection to position 0, empties its tables, catches up."""
    await pool.execute("UPDATE projection_tracking SET position = 0 WHERE name = 'stats'")
    await pool.execute(f"TRUNCATE {', '.join(STATS_TABLES)}")
    await Projector(pool, [StatsProjection()], batch_size=batch_size).catch_up()


async def test_a_rebuild_from_zero_gives_the_figures_of_live_processing(
    pool: asyncpg.Pool,
) -> None:
    entries = scripted_entries()
    live = Projector(pool, [StatsProjection()], batch_size=4)
    await live.ensure_tracking()
    for start in range(0, len(entries), 10):  # the ledger grows while the projector follows
        await append(pool, entries[start:start + 10])
        await live.catch_up()
    processed_live = await snapshot(pool)

    await rebuild(pool, batch_size=500)
    assert await snapshot(pool) == processed_live
    await rebuild(pool, batch_size=1)
    assert await snapshot(pool) == processed_live

    figures = processed_live["figures"]
    assert figures["pilot_to_order_rate"] == pytest.approx(EXPECTED["pilot_to_order_rate"])
    assert figures["median_days_agreement_to_order"] == EXPECTED["median_days_agreement_to_order"]
    assert figures["orders_value"] == EXPECTED["orders_value"]
