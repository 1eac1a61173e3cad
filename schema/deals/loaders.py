"""Per-request DataLoaders for deal rows (one query per kind per request)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import asyncpg
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from projections.queries.agreements import agreements_by_id
from projections.queries.loans import loans_by_id
from projections.queries.orders import orders_by_id

Query = Callable[[asyncpg.Connection, list[UUID]], Any]
QUERIES: dict[str, Query] = {
    "deals.agreement": agreements_by_id,
    "deals.order": orders_by_id,
    "deals.loan": loans_by_id,
}


def _factory(query: Query) -> Callable[[asyncpg.Pool], DataLoader[UUID, Any]]:
    def make(pool: asyncpg.Pool) -> DataLoader[UUID, Any]:
        async def load(keys: list[UUID]) -> list[Any]:
            async with pool.acquire() as conn:
                found = await query(conn, keys)
            return [found.get(k) for k in keys]

        return DataLoader(load_fn=load)

    return make


async def load_row(info: Info[Any, Any], kind: str, stream_id: UUID) -> Any:
    """The current read-model row (cached for the request)."""
    loader = info.context.loader(kind, _factory(QUERIES[kind]))
    return await loader.load(stream_id)


async def fresh_row(info: Info[Any, Any], kind: str, stream_id: UUID) -> Any:
    """The row as it is now, bypassing the request's cache (after a mutation)."""
    async with info.context.pool.acquire() as conn:
        found = await QUERIES[kind](conn, [stream_id])
    return found.get(stream_id)
