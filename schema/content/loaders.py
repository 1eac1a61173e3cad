"""Per-request DataLoaders of this slice (created on first use in a request)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

import asyncpg
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from projections.queries import content as q

# (connection, ids) -> rows by id; the connection comes from the pool.
Query = Callable[[Any, Sequence[UUID]], Awaitable[dict[UUID, Any]]]


def _maker(query: Query) -> Callable[[asyncpg.Pool], DataLoader[UUID, Any]]:
    def make(pool: asyncpg.Pool) -> DataLoader[UUID, Any]:
        async def load(keys: list[UUID]) -> list[Any]:
            async with pool.acquire() as conn:
                found = await query(conn, keys)
            return [found.get(k) for k in keys]

        return DataLoader(load_fn=load)

    return make


LOADERS: dict[str, Query] = {
    "content.resource": q.resources_by_id,
    "content.case_study": q.case_studies_by_id,
    "content.event": q.events_by_id,
}


async def load_row(info: Info[Any, Any], name: str, stream_id: UUID) -> Any:
    """The read-model row of one entity (None when absent)."""
    return await info.context.loader(name, _maker(LOADERS[name])).load(stream_id)
