"""Read models compared with a rebuild from position 0 (exactly-once checks)."""

from __future__ import annotations

from typing import Any

import asyncpg

from projections.engine import Projector
from server import projections
from wiring.slices import all_slices


async def _rows(conn: Any, table: str) -> list[str]:
    return sorted(repr(tuple(r)) for r in await conn.fetch(f"SELECT * FROM {table}"))


async def tables_unlike_a_rebuild(database_url: str, fresh_url: str) -> list[str]:
    """Read-model tables whose rows differ from a projector run from position 0 on a
    copy of the ledger (in `fresh_url`, an empty migrated database)."""
    live, fresh = await asyncpg.connect(database_url), await asyncpg.create_pool(fresh_url)
    try:
        events = await live.fetch("SELECT * FROM ledger_events ORDER BY notification_id")
        await fresh.copy_records_to_table("ledger_events", records=[tuple(e) for e in events],
                                          columns=list(events[0].keys()))
        rebuilt = Projector(fresh, projections(all_slices()))
        await rebuilt.ensure_tracking()
        await rebuilt.catch_up()
        tables = [t for p in rebuilt.projections for t in p.tables]
        async with fresh.acquire() as conn:
            return [t for t in tables if await _rows(live, t) != await _rows(conn, t)]
    finally:
        await live.close()
        await fresh.close()
