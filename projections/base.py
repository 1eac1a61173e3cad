"""The projection interface and a helper for per-key document projections."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from operator import itemgetter
from typing import Any, Protocol, TypeAlias

import asyncpg
import asyncpg.pool

from projections.entries import Entry

Row = dict[str, Any]
Key = tuple[Any, ...]
# New rows from which one COPY beats pipelined INSERTs: COPY waits for one more
# round trip, but PostgreSQL then stores a row for a fifth of an upsert's CPU
# (no executor per row). Rebuild batches pass this easily; live batches of a
# few entries keep their single round trip.
COPY_MIN = 32
# A plain connection or one borrowed from a pool.
Conn: TypeAlias = "asyncpg.Connection | asyncpg.pool.PoolConnectionProxy[Any]"


class Projection(Protocol):
    """Folds ledger entries into its tables, inside the projector's transaction."""

    @property
    def name(self) -> str:
        """Its row in projection_tracking."""
        ...

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables it owns (rebuilt together)."""
        ...

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        """Applies entries (in position order) to this projection's rows. A
        rebuild's entries carry no topic and no hashes (folds never read them)."""
        ...


def stream_types_of(projections: Iterable[Projection]) -> frozenset[str] | None:
    """The stream types a reader for these projections must read: the union of
    what each declares (`stream_types`), or None (every entry) as soon as one
    does not say."""
    declared = [getattr(p, "stream_types", None) for p in projections]
    if not declared or not all(declared):
        return None
    return frozenset(t for types in declared if types for t in types)


class RowStore:
    """Loads, upserts and deletes rows of one table by primary key."""

    def __init__(self, table: str, key: tuple[str, ...], columns: tuple[str, ...]) -> None:
        self.table = table
        self.key = key
        self.columns = columns
        # A row's values in column order, picked in C (itemgetter of one
        # column gives the bare value, so it is wrapped).
        pick = itemgetter(*columns)
        self.values_of: Callable[[Row], tuple[Any, ...]] = (
            pick if len(columns) > 1 else lambda row: (pick(row),))
        cols = ", ".join(columns)
        params = ", ".join(f"${i + 1}" for i in range(len(columns)))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)
        conflict = "NOTHING" if not updates else f"UPDATE SET {updates}"
        self.upsert_sql = (
            f"INSERT INTO {table} ({cols}) VALUES ({params}) "
            f"ON CONFLICT ({', '.join(key)}) DO {conflict}"
        )
        where = " AND ".join(f"{k} = ${i + 1}" for i, k in enumerate(key))
        self.delete_sql = f"DELETE FROM {table} WHERE {where}"
        self.select_sql = f"SELECT {cols} FROM {table} WHERE {where}"
        # Every key column matched against the batch's values (one round trip for
        # the whole batch; PostgreSQL infers each array's type from its column).
        # With several key columns this is a superset, filtered in load_many.
        many = " AND ".join(f"{k} = ANY(${i + 1})" for i, k in enumerate(key))
        self.select_many_sql = f"SELECT {cols} FROM {table} WHERE {many}"

    def key_of(self, row: Row) -> tuple[Any, ...]:
        return tuple(row[k] for k in self.key)

    async def load(self, conn: asyncpg.Connection, key: tuple[Any, ...]) -> Row | None:
        record = await conn.fetchrow(self.select_sql, *key)
        return dict(record) if record else None

    async def load_many(
        self, conn: asyncpg.Connection, keys: Sequence[tuple[Any, ...]]
    ) -> dict[tuple[Any, ...], Row | None]:
        """Every key's row (None when absent), in one query."""
        if type(self).load is not RowStore.load and type(self).load_many is RowStore.load_many:
            # A subclass that transforms loaded rows in its own `load` and has
            # no `load_many` of its own: one query per key, through its `load`.
            return {k: await self.load(conn, k) for k in keys}
        return await self.fetch_many(conn, keys)

    async def fetch_many(
        self, conn: asyncpg.Connection, keys: Sequence[tuple[Any, ...]]
    ) -> dict[tuple[Any, ...], Row | None]:
        """The stored rows of `keys` as they are, in one query."""
        if not keys:
            return {}
        columns = [list({k[i] for k in keys}) for i in range(len(self.key))]
        records = await conn.fetch(self.select_many_sql, *columns)
        stored = {tuple(r[k] for k in self.key): r for r in records}
        found: dict[tuple[Any, ...], Row | None] = {}
        by_text: dict[tuple[str, ...], Any] | None = None
        for key in keys:
            record = stored.get(key)
            if record is None and stored:
                # Matched by text too, so a key given as a string finds its uuid
                # row as `load` does (built once, only when needed).
                if by_text is None:
                    by_text = {tuple(map(str, k)): r for k, r in stored.items()}
                record = by_text.get(tuple(map(str, key)))
            found[key] = dict(record) if record is not None else None
        return found

    async def save(
        self, conn: asyncpg.Connection, changed: dict[Key, Row | None],
        new: Collection[Key] = (),
    ) -> None:
        """Stores `changed` (None: delete). Keys in `new` had no row before this
        transaction (their load found none): they need no delete, and many of
        them go in by COPY instead of upserts."""
        values_of = self.values_of
        inserts = [values_of(r) for k, r in changed.items() if r is not None and k in new]
        upserts = [values_of(r) for k, r in changed.items() if r is not None and k not in new]
        deletes = [k for k, r in changed.items() if r is None and k not in new]
        await insert_new(conn, self.table, self.columns, inserts, self.upsert_sql)
        if upserts:
            await conn.executemany(self.upsert_sql, upserts)
        if deletes:
            await conn.executemany(self.delete_sql, deletes)


async def insert_new(conn: asyncpg.Connection, table: str, columns: Sequence[str],
                     rows: list[tuple[Any, ...]], insert_sql: str) -> None:
    """Stores rows that do not exist yet: by one COPY when there are at least
    COPY_MIN of them, else through `insert_sql` (one row's INSERT) pipelined."""
    if len(rows) >= COPY_MIN:
        await conn.copy_records_to_table(table, records=rows, columns=columns)
    elif rows:
        await conn.executemany(insert_sql, rows)


Evolve = Callable[[Row | None, Entry], Row | None]
KeyOf = Callable[[Entry], tuple[Any, ...] | None]


async def fold_into(
    conn: asyncpg.Connection, store: RowStore, entries: Sequence[Entry], key_of: KeyOf,
    evolve: Evolve, *, stream_rows: bool = False,
) -> None:
    """Folds a batch: the touched rows are loaded together (one query), each
    evolved through its entries in order, and saved together.

    `stream_rows`: each row belongs to one stream, its key starting with the
    stream's id, and only that stream's entries make or change it. Then the
    rows of a stream that starts in this batch (its version 1 is here, and no
    entry of a stream comes before its version 1) cannot exist yet: they are
    not loaded. A rebuild meets most streams that way."""
    keyed = [(key, entry) for entry in entries if (key := key_of(entry)) is not None]
    if not keyed:
        return
    keys = list(dict.fromkeys(key for key, _ in keyed))
    started = started_streams(entries) if stream_rows else frozenset()
    rows = await store.load_many(conn, [k for k in keys if k[0] not in started])
    rows.update((k, None) for k in keys if k[0] in started)
    new = {k for k, row in rows.items() if row is None}
    for key, entry in keyed:
        rows[key] = evolve(rows[key], entry)
    await store.save(conn, rows, new)


def started_streams(entries: Iterable[Entry]) -> frozenset[Any]:
    """The streams whose first entry (version 1) is among `entries`."""
    return frozenset(e.stream_id for e in entries if e.version == 1)


class PooledConnection(asyncpg.Connection):
    """A pool connection released without asyncpg's session reset.

    On every release asyncpg's pool runs `SELECT pg_advisory_unlock_all(); CLOSE
    ALL; UNLISTEN *; RESET ALL;`, a round trip the releasing request waits for
    (one per query through `pool.fetch...`, one per projector batch). Nothing
    borrowed from our pools keeps session state: LISTEN and advisory locks live
    on dedicated connections, settings are `SET LOCAL` inside transactions, no
    cursor outlives its transaction. asyncpg still rolls back a transaction left
    open and drops listeners on release; only the reset query goes. For
    `asyncpg.create_pool(..., connection_class=PooledConnection)`."""

    def get_reset_query(self) -> str:
        return ""
