"""The least a replay does: every entry read and decoded once, as the fill's
reader does it (projections/fanout.py: the same query, batch size and
decoding), nothing projected or written. Its rate bounds any replay of this
ledger from this process, and its CPU per entry is what every replay pays
before a projection sees an entry (bench/replay.py reports both beside the
real replay's, measured in the same run)."""

from __future__ import annotations

import time

import asyncpg

from bench.cpu import machine_busy_seconds
from projections.entries import folded_entry_from_row
from projections.fanout import READ


async def read_every_entry(database_url: str, batch_size: int) -> int:
    """Reads and decodes the whole ledger in batches; returns how many entries."""
    conn = await asyncpg.connect(database_url)
    try:
        head = await conn.fetchval("SELECT coalesce(max(notification_id), 0) FROM ledger_events")
        last, count = 0, 0
        while last < head:
            rows = await conn.fetch(READ, last, head, batch_size, None)
            entries = [folded_entry_from_row(r) for r in rows]
            count += len(entries)
            last = entries[-1].position if len(rows) == batch_size else head
        return count
    finally:
        await conn.close()


async def read_only(database_url: str, batch_size: int = 5000) -> dict[str, float]:
    """The reader's own rate and CPU per entry (this process's, the machine's)."""
    started, cpu, busy = time.perf_counter(), time.process_time(), machine_busy_seconds()
    count = await read_every_entry(database_url, batch_size)
    elapsed = time.perf_counter() - started
    cpu, busy = time.process_time() - cpu, machine_busy_seconds() - busy
    per_entry = 1e6 / max(count, 1)
    return {"read_only_events": float(count), "read_only_events_per_s": count / elapsed,
            "read_only_python_us_per_entry": cpu * per_entry,
            "read_only_machine_us_per_entry": busy * per_entry}
