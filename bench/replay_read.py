"""The least a replay does: every entry read and decoded once, as the fill's
reader does it (projections/fanout.py's `read_batches`, at the same batch
size), nothing projected or written. Its rate bounds any replay of this
ledger from this process, and its CPU per entry is what every replay pays
before a projection sees an entry (bench/replay.py reports both beside the
real replay's, measured in the same run)."""

from __future__ import annotations

import time

import asyncpg

from bench.cpu import machine_busy_seconds
from projections.fanout import read_batches


async def read_every_entry(database_url: str, batch_size: int) -> int:
    """Reads and decodes the whole ledger in batches; returns how many entries."""
    conn = await asyncpg.connect(database_url)
    try:
        head = await conn.fetchval("SELECT coalesce(max(notification_id), 0) FROM ledger_events")
        count = 0
        async for batch in read_batches(conn, 0, head, batch_size):
            count += len(batch.entries)
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
