"""Helpers of the projector tests: the read model's contents, a rewind, a
projection that crashes mid-batch and a probe that records every application."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg

from projections.entries import Entry

READ_MODEL = {
    "organisations": "id",
    "organisation_members": "organisation_id, user_id",
    "stream_parties": "stream_id, organisation_id",
}


async def read_model(pool: asyncpg.Pool) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the projection tables, in key order."""
    tables = {}
    for table, key in READ_MODEL.items():
        rows = await pool.fetch(f"SELECT * FROM {table} ORDER BY {key}")
        tables[table] = [tuple(r) for r in rows]
    return tables


async def reset_read_model(pool: asyncpg.Pool) -> None:
    """Empties the read model and rewinds every projection to position 0."""
    await pool.execute(f"TRUNCATE {', '.join(READ_MODEL)}, projection_probe")
    await pool.execute("UPDATE projection_tracking SET position = 0")


async def tracked(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch("SELECT name, position FROM projection_tracking")
    return {r["name"]: r["position"] for r in rows}


async def ledger_size(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM ledger_events"))


class Crash(Exception):
    """Stands for the process dying in the middle of a batch."""


async def raise_crash(_conn: asyncpg.Connection) -> None:
    raise Crash


async def kill_connection(conn: asyncpg.Connection) -> None:
    """The database session dies: the server rolls the transaction back."""
    await conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")


class CrashingAfter:
    """Wraps a projection: applies entries one at a time and, once `rows`
    entries have been applied in total, crashes inside the transaction."""

    def __init__(self, inner: Any, rows: int,
                 crash: Callable[[asyncpg.Connection], Awaitable[None]] = raise_crash) -> None:
        self.inner = inner
        self.name = inner.name
        self.tables = inner.tables
        self.remaining = rows
        self.crash = crash

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        for entry in entries:
            if self.remaining == 0:
                await self.crash(conn)
            await self.inner.apply(conn, [entry])
            self.remaining -= 1


class Probe:
    """Records each entry it is given in `projection_probe`, so a double
    application shows as a duplicate row."""

    tables: tuple[str, ...] = ("projection_probe",)

    def __init__(self, name: str = "probe", pause: float = 0.0) -> None:
        self.name = name
        self.pause = pause

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        await conn.executemany("INSERT INTO projection_probe (name, position) VALUES ($1, $2)",
                               [(self.name, e.position) for e in entries])
        if self.pause:  # widens the window in which two projectors overlap
            await asyncio.sleep(self.pause)


async def probed(pool: asyncpg.Pool, name: str = "probe") -> list[int]:
    rows = await pool.fetch(
        "SELECT position FROM projection_probe WHERE name = $1 ORDER BY position", name)
    return [r["position"] for r in rows]
