"""`node(id:)`: any stream, resolved by its stream type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.types import Info

from projections.queries import ledger as ledger_q
from schema.common import Node
from schema.organisations.types import organisation_from_row
from schema.reading import parse_id

NodeResolver = Callable[[Info[Any, Any], Any], Awaitable[Node | None]]


async def organisation_node(info: Info[Any, Any], stream_id: Any) -> Node | None:
    row = await info.context.loaders.organisation.load(stream_id)
    return organisation_from_row(row) if row else None




@strawberry.type
class NodeQuery:
    @strawberry.field
    async def node(self, info: Info[Any, Any], id: strawberry.ID) -> Node | None:
        stream_id = parse_id(id)
        if stream_id is None:
            return None
        async with info.context.pool.acquire() as conn:
            head = await ledger_q.stream_head(conn, stream_id)
        resolvers = info.context.services.node_resolvers
        resolver = resolvers.get(head["stream_type"]) if head else None
        return await resolver(info, stream_id) if resolver else None
