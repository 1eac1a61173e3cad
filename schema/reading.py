"""Read helpers every slice's fields share: batch loaders, pages, ids,
single entities now or in the past."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from projections.base import Evolve
from projections.pagination import Page, PaginationError, clamp_first
from projections.queries.timetravel import fold_stream, wants_past
from schema import shared_batches
from schema.errors import bad_request
from schema.shared_batches import BatchQuery


def parse_id(value: strawberry.ID | str | None) -> UUID | None:
    """An id that is not a UUID names nothing."""
    if value is None:
        return None
    try:
        return UUID(str(value))
    except ValueError:
        return None


def batch_loader(query: BatchQuery, default: Any = None) -> Callable[[asyncpg.Pool], DataLoader[Any, Any]]:
    """A DataLoader factory for `Context.loader`: one query per kind for all
    the requests that ask in the same loop iteration (schema/shared_batches.py).
    Those requests get the same row objects: never change a loaded value."""

    def make(pool: asyncpg.Pool) -> DataLoader[Any, Any]:
        async def load(keys: list[Any]) -> list[Any]:
            found = await shared_batches.load(pool, query, keys)
            return [found.get(k, default) for k in keys]

        return DataLoader(load_fn=load)

    return make


async def load_by_id(info: Info[Any, Any], name: str, query: BatchQuery, key: Any) -> Any:
    return await info.context.loader(name, batch_loader(query)).load(key)


async def page_of(
    info: Info[Any, Any], first: int | None, fetch: Callable[[asyncpg.Connection, int], Awaitable[Page[Any]]]
) -> Page[Any]:
    """Runs a keyset page query; bad `first`/`after` become a top-level error."""
    try:
        limit = clamp_first(first)
        async with info.context.pool.acquire() as conn:
            return await fetch(conn, limit)
    except PaginationError as exc:
        raise bad_request(exc) from None


async def entity_row(
    info: Info[Any, Any], id: strawberry.ID, as_of: datetime | None, at_version: int | None,
    load_now: Callable[[UUID], Awaitable[Any]], evolve: Evolve,
) -> tuple[Any, Any]:
    """(current row, row asked for): the asked one folded from the stream's own
    events when asOf/atVersion is given. Callers check visibility on both."""
    stream_id = parse_id(id)
    if stream_id is None:
        return None, None
    if at_version is not None and at_version < 1:
        raise bad_request(PaginationError("atVersion starts at 1"))
    current = await load_now(stream_id)
    if current is None or not wants_past(as_of, at_version):
        return current, current
    async with info.context.pool.acquire() as conn:
        return current, await fold_stream(conn, stream_id, evolve, as_of, at_version)


def optional_id(value: strawberry.ID | None, name: str) -> UUID | None:
    """An id argument of a filter: absent, or a UUID (anything else is refused)."""
    if value is None:
        return None
    parsed = parse_id(value)
    if parsed is None:
        raise bad_request(PaginationError(f"{name} is not an id"))
    return parsed
