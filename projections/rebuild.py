"""Blue/green rebuild of projections: their tables are rebuilt from position 0
in private schemas while the live ones keep serving, then swapped in one
transaction, so queries never see a half-built projection.

Three phases: `fill` (projections/fanout.py: one reader decoding each batch
once, a few lanes folding it, into unlogged tables without their secondary
indexes, projections/private.py; search vectors are computed as rows are
written when the ledger's streams are mostly written within a batch, else
once at the end, see LATE_SHARE_MAX), `finish` (vectors if deferred, and
indexes, built once, two tables at a time), then `swap`, under the live
tracking rows' locks: the live projector's own path catches the copies up to
the head, and they replace the live tables. Several projections rebuilt
together (`rebuild_many`) share the reader."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg

from projections import fanout, private
from projections.base import Conn, Projection
from projections.engine import Projector

ProgressFn = Callable[[int, int], None]
FINISH_CONCURRENCY = 2  # tables finished at once: the machine's cores, not more
# A projection's search vectors are computed as its rows are written, during the
# fill, when at most this share of its entries come more than a batch after
# their stream's first entry. The fill leaves PostgreSQL idle part of the time
# (Python is the slower side), so vectors computed then cost no wall time, where
# computed at the end they are most of the finish. But a row written again in a
# later batch has its vector computed again (twice: an upsert computes the
# proposed row's too): with many late entries, once at the end is cheaper.
LATE_SHARE_MAX = 0.05
SAMPLE_ENTRIES = 5_000  # ledger entries the share is estimated from
_LATE_SHARE = """
SELECT coalesce(avg((e.notification_id - f.notification_id > $2)::int), 0)::float8
FROM ledger_events e TABLESAMPLE SYSTEM ($3)
JOIN ledger_events f ON f.originator_id = e.originator_id AND f.originator_version = 1
WHERE $1::text[] IS NULL OR e.stream_type = ANY($1::text[])"""


def _schema(name: str) -> str:
    return f"rebuild_{name}"


async def _prepare(conn: asyncpg.Connection, p: Projection, batch_size: int
                   ) -> list[private.Deferred]:
    schema = _schema(p.name)
    await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    await conn.execute(f"CREATE SCHEMA {schema}")
    vectors = [t for t in p.tables if await private.vectors_of(conn, t)]
    defer = bool(vectors) and not await vectors_in_fill(conn, p, batch_size)
    deferred = [await private.create(conn, schema, table, defer_vectors=defer)
                for table in p.tables]
    # Unlogged like the tables it tracks: a crash of the server empties both.
    await conn.execute(f"CREATE UNLOGGED TABLE {schema}.projection_tracking"
                       " (LIKE public.projection_tracking INCLUDING ALL)")
    await conn.execute(f"INSERT INTO {schema}.projection_tracking (name) VALUES ($1)", p.name)
    return deferred


async def vectors_in_fill(conn: Conn, p: Projection, batch_size: int) -> bool:
    """Whether `p`'s vectors are best computed during the fill: few of its
    entries come more than a batch after their stream's first (estimated on a
    sample of the ledger; an empty sample says yes)."""
    types = getattr(p, "stream_types", None)
    percent = min(100.0, 100.0 * SAMPLE_ENTRIES / max(await _head(conn), 1))
    late = await conn.fetchval(_LATE_SHARE, sorted(types) if types else None, batch_size,
                               percent)
    return float(late) <= LATE_SHARE_MAX


async def _head(conn: Conn) -> int:
    return int(await conn.fetchval(
        "SELECT coalesce(max(notification_id), 0) FROM ledger_events"))


def _connector(dsn: str) -> fanout.Connect:
    """Lanes write private schemas. Their commits need not wait for the WAL
    flush: a commit lost in a crash loses its rows and its positions together
    (and the private tables are unlogged anyway)."""
    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(dsn, server_settings={"synchronous_commit": "off"})
    return connect


def _path(p: Projection) -> str:
    return f"{_schema(p.name)}, public"


async def _finish(dsn: str, work: Sequence[tuple[str, private.Deferred]],
                  timer: _Phases) -> None:
    """Vectors and indexes of every private table, FINISH_CONCURRENCY at a time
    (each statement runs on one core; two tables use both), the costliest
    first so that the two finish together."""
    queue = sorted(work, key=lambda w: -w[1].cost)

    async def worker() -> None:
        conn = await asyncpg.connect(dsn, server_settings={"maintenance_work_mem": "256MB"})
        try:
            while queue:
                schema, deferred = queue.pop(0)
                started = time.perf_counter()
                await private.finish(conn, schema, deferred)
                timer.into[f"finish_{deferred.table}"] = time.perf_counter() - started
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(min(FINISH_CONCURRENCY, len(queue)))))


async def _swap(conn: asyncpg.Connection, projections: Sequence[Projection]) -> dict[str, int]:
    """Under the live tracking rows' locks: finish the copies, swap, carry the positions."""
    names = sorted(p.name for p in projections)
    positions: dict[str, int] = {}
    async with conn.transaction():
        # The live projector takes these rows FOR UPDATE too (in name order, as
        # here): it waits while we swap.
        await conn.fetch("SELECT position FROM public.projection_tracking WHERE name = ANY($1)"
                         " ORDER BY name FOR UPDATE", names)
        for p in projections:
            positions[p.name] = await _swap_one(conn, p)
        await conn.execute("SET LOCAL search_path = public")
    return positions


async def _swap_one(conn: asyncpg.Connection, p: Projection) -> int:
    schema = _schema(p.name)
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
    await conn.execute("UPDATE public.projection_tracking SET position = $2, updated_at = now()"
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


class _Phases:
    def __init__(self, into: dict[str, float]) -> None:
        self.into = into
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.into[name] = now - self.last
        self.last = now


class RebuildBusyError(RuntimeError):
    """Another rebuild of the same projection is running (on any machine)."""


async def rebuild_many(
    dsn: str, projections: Sequence[Projection], progress: ProgressFn | None = None, *,
    batch_size: int = 5000, phases: dict[str, float] | None = None,
) -> dict[str, int]:
    """Rebuilds `projections` from zero together (each ledger batch read and
    decoded once for all of them); returns the position each serves from.
    `phases` receives the seconds each phase took (fill, finish, swap)."""
    timer = _Phases(phases if phases is not None else {})
    conn = await asyncpg.connect(dsn)
    try:
        for name in sorted(p.name for p in projections):
            # Two rebuilds of one projection would drop each other's private schema.
            if not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))",
                                       f"passerelle.rebuild.{name}"):
                raise RebuildBusyError(f"a rebuild of {name} is already running")
        deferred = [(_schema(p.name), d) for p in projections
                    for d in await _prepare(conn, p, batch_size)]
        head = await _head(conn)
        await fanout.replay(_connector(dsn), projections, head, path_of=_path,
                            batch_size=batch_size, progress=progress)
        timer.lap("fill")
        await _finish(dsn, deferred, timer)
        timer.lap("finish")
        positions = await _swap(conn, projections)
        timer.lap("swap")
        return positions
    finally:
        await conn.close()


async def rebuild(dsn: str, p: Projection, progress: ProgressFn | None = None) -> int:
    """Rebuilds `p` from zero; returns the position the new tables start serving at."""
    return (await rebuild_many(dsn, [p], progress))[p.name]


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
