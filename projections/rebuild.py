"""Blue/green rebuild of one projection: its tables are rebuilt from position 0
in a private schema while the live ones keep serving, then swapped in one
transaction, so queries never see a half-built projection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg

from projections.base import Conn, Projection
from projections.engine import Projector

ProgressFn = Callable[[int, int], None]


def _schema(name: str) -> str:
    return f"rebuild_{name}"


async def _prepare(conn: asyncpg.Connection, p: Projection, schema: str) -> None:
    await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    await conn.execute(f"CREATE SCHEMA {schema}")
    for table in (*p.tables, "projection_tracking"):
        await conn.execute(
            f"CREATE TABLE {schema}.{table} (LIKE public.{table} INCLUDING ALL)")
    await conn.execute(f"INSERT INTO {schema}.projection_tracking (name) VALUES ($1)", p.name)


async def _head(conn: Conn) -> int:
    return int(await conn.fetchval(
        "SELECT coalesce(max(notification_id), 0) FROM ledger_events"))


async def _fill(dsn: str, p: Projection, schema: str, progress: ProgressFn | None) -> None:
    """Catches the private copy up to the head, batch by batch."""
    pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=2, server_settings={"search_path": f"{schema}, public"})
    try:
        projector = Projector(pool, [p], batch_size=2000, notify=False)
        async with pool.acquire() as conn:
            head = await _head(conn)
        while position := await projector.run_once():
            if progress:
                progress(position, head)
    finally:
        await pool.close()


async def _swap(conn: asyncpg.Connection, p: Projection, schema: str) -> int:
    """Under the live tracking row's lock: finish the copy, swap, carry the position."""
    async with conn.transaction():
        # The live projector takes this row FOR UPDATE too: it waits while we swap.
        await conn.fetchval("SELECT position FROM public.projection_tracking WHERE name = $1"
                            " FOR UPDATE", p.name)
        await conn.execute(f"SET LOCAL search_path = {schema}, public")
        projector = Projector(_SingleConnection(conn), [p], batch_size=5000, notify=False)  # type: ignore[arg-type]
        while await projector.run_once():
            pass
        position = await conn.fetchval(
            f"SELECT position FROM {schema}.projection_tracking WHERE name = $1", p.name)
        for table in p.tables:
            await conn.execute(f"DROP TABLE public.{table}")
            await conn.execute(f"ALTER TABLE {schema}.{table} SET SCHEMA public")
        await conn.execute("SET LOCAL search_path = public")
        await conn.execute("UPDATE projection_tracking SET position = $2, updated_at = now()"
                           " WHERE name = $1", p.name, position)
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return int(position)


async def rebuild(dsn: str, p: Projection, progress: ProgressFn | None = None) -> int:
    """Rebuilds `p` from zero; returns the position the new tables start serving at."""
    schema = _schema(p.name)
    conn = await asyncpg.connect(dsn)
    try:
        await _prepare(conn, p, schema)
        await _fill(dsn, p, schema, progress)
        return await _swap(conn, p, schema)
    finally:
        await conn.close()


class _SingleConnection:
    """Just enough of asyncpg.Pool for a Projector to run inside one transaction."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    def acquire(self) -> Any:
        return _Borrowed(self.conn)

    async def executemany(self, sql: str, args: Any) -> None:
        await self.conn.executemany(sql, args)


class _Borrowed:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def __aenter__(self) -> asyncpg.Connection:
        return self.conn

    async def __aexit__(self, *_: object) -> None:
        return None


async def status(dsn: str) -> tuple[int, dict[str, tuple[int, Any]]]:
    """The ledger head and, per projection, its position and last update."""
    conn = await asyncpg.connect(dsn)
    try:
        head = await _head(conn)
        rows = await conn.fetch("SELECT name, position, updated_at FROM projection_tracking"
                                " ORDER BY name")
    finally:
        await conn.close()
    return head, {r["name"]: (r["position"], r["updated_at"]) for r in rows}
