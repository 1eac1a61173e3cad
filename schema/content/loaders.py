"""Per-request DataLoaders of this slice (created on first use in a request)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

from strawberry.types import Info

from projections.queries import content as q
from schema.reading import load_by_id

# (connection, ids) -> rows by id; the connection comes from the pool.
Query = Callable[[Any, Sequence[UUID]], Awaitable[dict[UUID, Any]]]


LOADERS: dict[str, Query] = {
    "content.resource": q.resources_by_id,
    "content.case_study": q.case_studies_by_id,
    "content.event": q.events_by_id,
}


async def load_row(info: Info[Any, Any], name: str, stream_id: UUID) -> Any:
    """The read-model row of one entity (None when absent)."""
    return await load_by_id(info, name, LOADERS[name], stream_id)
