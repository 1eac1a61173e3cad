"""Read-side snapshots: the row a projection's pure `evolve` builds, stored at
every `every`-th version of a stream, so time travel folds at most `every - 1`
events after the nearest snapshot (table `read_snapshots`, migration 0005).

Rows hold UUIDs, datetimes, dates and Decimals: they are stored as tagged JSON
and read back as the same Python values (see `encode_row` / `decode_row`)."""

from __future__ import annotations

import base64
import logging
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from projections.base import Evolve, Row
from projections.entries import Entry

log = logging.getLogger("passerelle.snapshots")

SNAPSHOT_EVERY = 100
INT64 = 2**63
Fold = Callable[
    [asyncpg.Connection, UUID, Evolve, datetime | None, int | None], Awaitable[Row | None]
]
_TAGS: dict[str, Callable[[Any], Any]] = {
    "$uuid": UUID, "$datetime": datetime.fromisoformat, "$date": date.fromisoformat,
    "$decimal": Decimal, "$float": float, "$int": int, "$bytes": base64.b64decode,
    "$tuple": lambda items: tuple(_decode(i) for i in items),
    "$dict": lambda pairs: {_decode(k): _decode(v) for k, v in pairs},
}


def fold_name(evolve: Evolve) -> str:
    """Which evolve built a snapshot: rows of another evolve are never mixed in."""
    return f"{evolve.__module__}.{evolve.__qualname__}"


def _encode_scalar(value: Any) -> Any:
    if isinstance(value, UUID):
        return {"$uuid": str(value)}
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    raise TypeError(f"cannot snapshot a {type(value).__name__}")


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if -INT64 <= value < INT64 else {"$int": str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": str(value)}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v) for v in value]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"$dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    return _encode_scalar(value)


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1:
            tag, data = next(iter(value.items()))
            if tag in _TAGS:
                return _TAGS[tag](data)
        return {k: _decode(v) for k, v in value.items()}
    return value


def encode_row(row: Row) -> str:
    """Tagged JSON text; raises TypeError for a value it cannot restore exactly."""
    return orjson.dumps(_encode(row)).decode()


def decode_row(text: str) -> Row:
    row: Row = _decode(orjson.loads(text))
    return row


async def latest_snapshot(
    conn: asyncpg.Connection, stream_id: UUID, evolve: Evolve,
    as_of: datetime | None, at_version: int | None,
) -> tuple[int, Row] | None:
    """The newest snapshot at or before the point asked, as (version, row)."""
    record = await conn.fetchrow(
        "SELECT version, row FROM read_snapshots WHERE stream_id = $1 AND fold = $2"
        " AND ($3::timestamptz IS NULL OR occurred_at <= $3)"
        " AND ($4::bigint IS NULL OR version <= $4) ORDER BY version DESC LIMIT 1",
        stream_id, fold_name(evolve), as_of, at_version,
    )
    return (record["version"], decode_row(record["row"])) if record else None


class SnapshotProjection:
    """Writes a snapshot at every `every`-th version of the registered stream
    types, folding with `fold` (timetravel.fold_stream, which starts from the
    previous snapshot). Idempotent and rebuildable from position 0."""

    name = "snapshots"
    tables: tuple[str, ...] = ("read_snapshots",)

    def __init__(self, evolves: Mapping[str, Evolve], fold: Fold,
                 every: int = SNAPSHOT_EVERY) -> None:
        self.evolves = dict(evolves)
        # Only these streams get snapshots (a rebuild of it reads only those).
        self.stream_types = frozenset(self.evolves)
        self.fold = fold
        self.every = every

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        for entry in entries:
            evolve = self.evolves.get(entry.stream_type)
            if evolve is not None and entry.version % self.every == 0:
                await self._snapshot(conn, entry, evolve)

    async def _snapshot(self, conn: asyncpg.Connection, entry: Entry, evolve: Evolve) -> None:
        row = await self.fold(conn, entry.stream_id, evolve, None, entry.version)
        if row is None:
            return
        try:
            text = encode_row(row)
        except TypeError as exc:  # only an optimisation: reads fold the events instead
            log.warning("no snapshot of %s at %s: %s", entry.stream_id, entry.version, exc)
            return
        await conn.execute(
            "INSERT INTO read_snapshots (stream_id, fold, version, occurred_at, row)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            entry.stream_id, fold_name(evolve), entry.version, entry.occurred_at, text,
        )
