"""A RowStore for the deals read models, whose rows hold JSON documents
(terms, signatures, order lines): Python values in `evolve`, jsonb text in
PostgreSQL (asyncpg passes json as text)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from projections.base import Key, Row, RowStore
from projections.entries import uuid_of

ZERO = Decimal("0.00")


class JsonRowStore(RowStore):
    """Encodes `json_columns` on save and decodes them on load."""

    def __init__(
        self, table: str, key: tuple[str, ...], columns: tuple[str, ...],
        json_columns: tuple[str, ...],
    ) -> None:
        super().__init__(table, key, columns)
        self.json_columns = json_columns

    async def load(self, conn: asyncpg.Connection, key: tuple[Any, ...]) -> Row | None:
        row = await super().load(conn, key)
        return decode_json(row, self.json_columns) if row else None

    async def load_many(
        self, conn: asyncpg.Connection, keys: Sequence[tuple[Any, ...]]
    ) -> dict[tuple[Any, ...], Row | None]:
        """Every key's row, decoded, in one query (as `load` would give each)."""
        found = await self.fetch_many(conn, keys)
        return {k: decode_json(r, self.json_columns) if r else None for k, r in found.items()}

    async def save(
        self, conn: asyncpg.Connection, changed: dict[Key, Row | None],
        new: Collection[Key] = (),
    ) -> None:
        encoded = {k: (self._encode(r) if r is not None else None) for k, r in changed.items()}
        await super().save(conn, encoded, new)

    def _encode(self, row: Row) -> Row:
        return {**row, **{c: orjson.dumps(row[c]).decode() for c in self.json_columns}}


def decode_json(row: Row, json_columns: tuple[str, ...]) -> Row:
    """A stored row with its jsonb text columns as Python values."""
    return {**row, **{c: _loads(row[c]) for c in json_columns}}


def _loads(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def money_amount(money: dict[str, Any]) -> Decimal:
    """The Decimal of an event's `{"amount": "...", "currency": ...}`."""
    return Decimal(str(money["amount"]))


def stamp(row: Row, version: int, at: datetime) -> Row:
    """Every event moves the stream's version and its updated_at."""
    return {**row, "version": version, "updated_at": at}


def as_uuid(value: Any) -> UUID | None:
    """Events carry ids as strings; the read model stores uuid."""
    return uuid_of(value) if value else None
