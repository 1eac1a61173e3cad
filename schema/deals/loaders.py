"""Per-request DataLoaders for deal rows (one query per kind per request, shared
with concurrent requests: schema/shared_batches.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import asyncpg
from strawberry.types import Info

from projections.queries.agreements import agreements_by_id
from projections.queries.loans import loans_by_id
from projections.queries.orders import orders_by_id
from schema.reading import load_by_id

Query = Callable[[asyncpg.Connection, list[UUID]], Any]
QUERIES: dict[str, Query] = {
    "deals.agreement": agreements_by_id,
    "deals.order": orders_by_id,
    "deals.loan": loans_by_id,
}


async def load_row(info: Info[Any, Any], kind: str, stream_id: UUID) -> Any:
    """The current read-model row (cached for the request)."""
    return await load_by_id(info, kind, QUERIES[kind], stream_id)


async def fresh_row(info: Info[Any, Any], kind: str, stream_id: UUID) -> Any:
    """The row as it is now, bypassing the request's cache (after a mutation)."""
    async with info.context.pool.acquire() as conn:
        found = await QUERIES[kind](conn, [stream_id])
    return found.get(stream_id)
