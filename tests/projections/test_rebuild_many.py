"""`rebuild_many`: every projection rebuilt blue/green from the demo ledger
(filled without search vectors and secondary indexes, finished, swapped) gives
exactly the rows and the table shapes the live projector and the migrations
made, and a rebuild that fails leaves the live tables untouched."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from infra.settings import Settings
from projections.base import Projection
from projections.rebuild import rebuild_many
from server import _load_demo_if_empty, projections
from wiring.slices import all_slices

# Columns (with generation expressions), indexes and constraints of a table.
SHAPE = """
SELECT 'column' AS kind, a.attname::text AS name,
       format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text || ' '
       || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS def,
       row_number() OVER (ORDER BY a.attnum) AS n
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL SELECT 'index', indexname::text, indexdef, 0 FROM pg_indexes
WHERE schemaname = 'public' AND tablename = $2
UNION ALL SELECT 'constraint', conname::text, pg_get_constraintdef(oid), 0 FROM pg_constraint
WHERE conrelid = $1::regclass ORDER BY 1, 4, 2"""


async def snapshot(conn: asyncpg.Connection, tables: list[str]) -> dict[str, Any]:
    """Rows (sorted) and shape of every table."""
    return {t: (sorted(repr(tuple(r)) for r in await conn.fetch(f"SELECT * FROM {t}")),
                [tuple(r) for r in await conn.fetch(SHAPE, f"public.{t}", t)])
            for t in tables}


@pytest.fixture
async def demo(settings: Settings) -> list[Projection]:
    """The demo's ledger and its read models, as the live projector made them."""
    assert settings.database_url
    await _load_demo_if_empty(settings, settings.database_url)
    return projections(all_slices())


@pytest.mark.parametrize("batch_size", [97, 5000])
async def test_every_projection_rebuilt_together_equals_the_live_read_models(
    database_url: str, demo: list[Projection], batch_size: int,
) -> None:
    tables = [t for p in demo for t in p.tables]
    conn = await asyncpg.connect(database_url)
    try:
        before = await snapshot(conn, tables)
        head = await conn.fetchval("SELECT max(notification_id) FROM ledger_events")
        seen: list[int] = []
        positions = await rebuild_many(database_url, demo, lambda p, _h: seen.append(p),
                                       batch_size=batch_size)
        after = await snapshot(conn, tables)
        tracked = {name: position for name, position in await conn.fetch(
            "SELECT name, position FROM projection_tracking")}
        leftovers = await conn.fetchval(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'rebuild_%'")
    finally:
        await conn.close()
    assert positions == {p.name: head for p in demo}
    assert {p.name: tracked[p.name] for p in demo} == positions
    assert seen and seen[-1] == head and seen == sorted(seen)
    assert leftovers == 0
    for table in tables:
        assert after[table] == before[table], table


class Failing:
    """A projection whose rebuild fails half-way."""

    name = "stats"
    tables: tuple[str, ...] = ("stats_counters",)

    def __init__(self) -> None:
        self.batches = 0

    async def apply(self, conn: asyncpg.Connection, entries: Any) -> None:
        self.batches += 1
        if self.batches > 2:
            raise RuntimeError("failed mid-rebuild")


async def test_a_rebuild_that_fails_leaves_the_live_tables_and_positions_alone(
    database_url: str, demo: list[Projection],
) -> None:
    tables = [t for p in demo for t in p.tables]
    conn = await asyncpg.connect(database_url)
    try:
        before = await snapshot(conn, tables)
        positions = await conn.fetch("SELECT name, position FROM projection_tracking")
        with pytest.raises(RuntimeError, match="failed mid-rebuild"):
            await rebuild_many(database_url, [*demo[:2], Failing()], batch_size=50)
        assert await snapshot(conn, tables) == before
        assert await conn.fetch("SELECT name, position FROM projection_tracking") == positions
        # The next rebuild starts over from clean private schemas.
        await rebuild_many(database_url, demo[:2])
        assert await snapshot(conn, tables) == before
    finally:
        await conn.close()
