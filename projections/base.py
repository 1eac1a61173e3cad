"""The projection interface and a helper for per-key document projections."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeAlias

import asyncpg
import asyncpg.pool

from projections.entries import Entry

Row = dict[str, Any]
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
        """Applies entries (in position order) to this projection's rows."""
        ...


class RowStore:
    """Loads, upserts and deletes rows of one table by primary key."""

    def __init__(self, table: str, key: tuple[str, ...], columns: tuple[str, ...]) -> None:
        self.table = table
        self.key = key
        self.columns = columns
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

    def key_of(self, row: Row) -> tuple[Any, ...]:
        return tuple(row[k] for k in self.key)

    async def load(self, conn: asyncpg.Connection, key: tuple[Any, ...]) -> Row | None:
        record = await conn.fetchrow(self.select_sql, *key)
        return dict(record) if record else None

    async def save(
        self, conn: asyncpg.Connection, changed: dict[tuple[Any, ...], Row | None]
    ) -> None:
        upserts = [tuple(r[c] for c in self.columns) for r in changed.values() if r is not None]
        deletes = [k for k, r in changed.items() if r is None]
        if upserts:
            await conn.executemany(self.upsert_sql, upserts)
        if deletes:
            await conn.executemany(self.delete_sql, deletes)


Evolve = Callable[[Row | None, Entry], Row | None]
KeyOf = Callable[[Entry], tuple[Any, ...] | None]


async def fold_into(
    conn: asyncpg.Connection, store: RowStore, entries: Sequence[Entry], key_of: KeyOf,
    evolve: Evolve,
) -> None:
    """Folds a batch: each touched row is loaded once, evolved, saved once."""
    rows: dict[tuple[Any, ...], Row | None] = {}
    for entry in entries:
        key = key_of(entry)
        if key is None:
            continue
        if key not in rows:
            rows[key] = await store.load(conn, key)
        rows[key] = evolve(rows[key], entry)
    await store.save(conn, rows)
