"""Blue/green rebuild of one projection: its tables are rebuilt from position 0
in a private schema while the live ones keep serving, then swapped in one
transaction, so queries never see a half-built projection."""

from __future__ import annotations

import re
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
            names = await _names(conn, table)
            await conn.execute(f"DROP TABLE public.{table}")
            await conn.execute(f"ALTER TABLE {schema}.{table} SET SCHEMA public")
            await _rename_as(conn, table, names)
        await conn.execute("SET LOCAL search_path = public")
        await conn.execute("UPDATE projection_tracking SET position = $2, updated_at = now()"
                           " WHERE name = $1", p.name, position)
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return int(position)


_INDEXES = ("SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = $1::regclass")
_CONSTRAINTS = ("SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint"
                " WHERE conrelid = $1::regclass AND contype NOT IN ('p', 'u', 'x')")
_INDEX_NAME = re.compile(r"^(CREATE (?:UNIQUE )?INDEX )\S+ ON ")


async def _names(conn: asyncpg.Connection, table: str) -> dict[str, dict[str, str]]:
    """Index and constraint names of a public table by their definitions."""
    indexes = await conn.fetch(_INDEXES, f"public.{table}")
    constraints = await conn.fetch(_CONSTRAINTS, f"public.{table}")
    return {"index": {_INDEX_NAME.sub(r"\1", r["def"]): r["name"] for r in indexes},
            "constraint": {r["def"]: r["name"] for r in constraints}}


async def _rename_as(conn: asyncpg.Connection, table: str,
                     before: dict[str, dict[str, str]]) -> None:
    """`CREATE TABLE ... LIKE` names the copy's indexes after their columns: give
    them back the names the migrations chose, which later migrations refer to.
    Through temporary names, in case one copy holds the name another wants."""
    now = await _names(conn, table)
    renames = {
        kind: [(name, before[kind][d]) for d, name in now[kind].items()
               if before[kind].get(d, name) != name]
        for kind in ("index", "constraint")
    }
    for step in (0, 1):
        for i, (name, wanted) in enumerate(renames["index"]):
            old, new = (name, f"rebuild_tmp_{i}") if step == 0 else (f"rebuild_tmp_{i}", wanted)
            # Renaming the index of a constraint (primary key, unique) renames it too.
            await conn.execute(f'ALTER INDEX public."{old}" RENAME TO "{new}"')
        for i, (name, wanted) in enumerate(renames["constraint"]):
            old, new = (name, f"rebuild_tmp_c{i}") if step == 0 else (f"rebuild_tmp_c{i}", wanted)
            await conn.execute(f'ALTER TABLE public.{table} RENAME CONSTRAINT "{old}" TO "{new}"')


class RebuildBusyError(RuntimeError):
    """Another rebuild of the same projection is running (on any machine)."""


async def rebuild(dsn: str, p: Projection, progress: ProgressFn | None = None) -> int:
    """Rebuilds `p` from zero; returns the position the new tables start serving at."""
    schema = _schema(p.name)
    conn = await asyncpg.connect(dsn)
    try:
        # Two rebuilds of one projection would drop each other's private schema.
        if not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))",
                                   f"passerelle.rebuild.{p.name}"):
            raise RebuildBusyError(f"a rebuild of {p.name} is already running")
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
