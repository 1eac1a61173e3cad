"""The private copy of a projection's tables that a rebuild fills, built to be
filled fast: unlogged, without its secondary indexes and without its trailing
generated columns (the search vectors), which are added back once, over all rows, when
it is full (`finish`). Row by row, PostgreSQL would recompute a vector at
every write of a row and insert into every index; once at the end, each vector
is computed once and each index is built in bulk. `finish` leaves the copy
exactly like the live table (same columns in the same order, same indexes
under the same names), so the swap can put it in the live table's place.
A rebuild may keep the vectors during the fill instead (`defer_vectors`,
chosen in rebuild.py): the copy is then the live table's shape from the start."""

from __future__ import annotations

import re
from dataclasses import dataclass

import asyncpg

# Generated columns of a table, in column order, with their expressions and types.
_GENERATED = """
SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       pg_get_expr(d.adbin, d.adrelid) AS expr, a.attgenerated = 's' AS generated
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"""
# Indexes that back no constraint (the primary key and unique constraints stay:
# the projections' upserts need them).
_SECONDARY = """
SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = $1::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
ORDER BY c.relname"""
_ON_TABLE = re.compile(r" ON (?:ONLY )?\S+ ")


@dataclass(frozen=True)
class Deferred:
    """What a private table gets back when it is full."""

    table: str
    columns: tuple[tuple[str, str, str], ...]  # (name, type, generation expression)
    indexes: tuple[str, ...]  # CREATE INDEX statements, on the private table

    @property
    def cost(self) -> int:
        """A rough weight of `finish`: vectors cost the most, then GIN indexes."""
        return 10 * len(self.columns) + sum(3 if " gin " in i else 1 for i in self.indexes)


async def create(conn: asyncpg.Connection, schema: str, table: str, *,
                 defer_vectors: bool = True) -> Deferred:
    """`schema.table` like `public.table`, minus what is deferred; returns it.
    `defer_vectors=False` keeps the generated columns: each row's vector is
    then computed when the row is written, during the fill (see rebuild.py)."""
    # Unlogged while it fills: no WAL for rows rewritten batch after batch (a
    # crash of the server empties it, and the rebuild starts over).
    await conn.execute(
        f"CREATE UNLOGGED TABLE {schema}.{table} (LIKE public.{table} INCLUDING ALL)")
    columns = await _trailing_generated(conn, f"public.{table}") if defer_vectors else []
    indexes = []
    for index in await conn.fetch(_SECONDARY, f"{schema}.{table}"):
        await conn.execute(f'DROP INDEX {schema}."{index["name"]}"')
    for index in await conn.fetch(_SECONDARY, f"public.{table}"):
        # The live table's index under its own name (names are per schema: the
        # swap moves the copy once the live table is dropped).
        indexes.append(_ON_TABLE.sub(f" ON {schema}.{table} ", index["def"], count=1))
    for name, _type, _expr in columns:
        await conn.execute(f"ALTER TABLE {schema}.{table} DROP COLUMN {name}")
    return Deferred(table, tuple(columns), tuple(indexes))


async def vectors_of(conn: asyncpg.Connection, table: str) -> bool:
    """Whether `public.table` has generated columns that could be deferred."""
    return bool(await _trailing_generated(conn, f"public.{table}"))


async def _trailing_generated(conn: asyncpg.Connection, table: str) -> list[tuple[str, str, str]]:
    """The stored generated columns that come after every other column: only
    those can be dropped and added back without changing the column order."""
    rows = await conn.fetch(_GENERATED, table)
    trailing: list[tuple[str, str, str]] = []
    for row in reversed(rows):
        if not row["generated"]:
            break
        trailing.insert(0, (row["name"], row["type"], row["expr"]))
    return trailing


async def finish(conn: asyncpg.Connection, schema: str, deferred: Deferred) -> None:
    """Adds the generated columns back (one rewrite computes each once), makes
    the table logged (its final rows written to the WAL once), then builds the
    indexes in bulk."""
    table = f"{schema}.{deferred.table}"
    # One statement, one rewrite of the table for both.
    added = [f"ADD COLUMN {name} {type_} GENERATED ALWAYS AS ({expr}) STORED"
             for name, type_, expr in deferred.columns]
    await conn.execute(f"ALTER TABLE {table} {', '.join([*added, 'SET LOGGED'])}")
    for statement in deferred.indexes:
        await conn.execute(statement)
    await conn.execute(f"ANALYZE {table}")
