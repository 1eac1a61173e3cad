"""Reading deal rows for queries: now (read model) or as they stood at a
moment or version (folded from the stream with the projection's evolve)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import strawberry
from strawberry.types import Info

from projections.base import Evolve
from projections.pagination import Page, PaginationError, clamp_first
from projections.queries.timetravel import fold_stream, wants_past
from schema.deals.loaders import load_row
from schema.errors import bad_request


def parse_id(value: strawberry.ID | str | None) -> UUID | None:
    """An id that is not a UUID names nothing."""
    try:
        return UUID(str(value)) if value is not None else None
    except ValueError:
        return None


async def entity_row(
    info: Info[Any, Any], kind: str, evolve: Evolve, id: strawberry.ID,
    as_of: datetime | None, at_version: int | None,
) -> Any:
    stream_id = parse_id(id)
    if stream_id is None:
        return None
    if at_version is not None and at_version < 1:
        raise bad_request(PaginationError("atVersion starts at 1"))
    if not wants_past(as_of, at_version):
        return await load_row(info, kind, stream_id)
    async with info.context.pool.acquire() as conn:
        return await fold_stream(conn, stream_id, evolve, as_of, at_version)


async def page_of(
    info: Info[Any, Any], first: int | None,
    fetch: Callable[[asyncpg.Connection, int], Awaitable[Page[Any]]],
) -> Page[Any]:
    """One page, with `first` checked (a bad value is a top-level error)."""
    try:
        limit = clamp_first(first)
        async with info.context.pool.acquire() as conn:
            return await fetch(conn, limit)
    except PaginationError as exc:
        raise bad_request(exc) from None
