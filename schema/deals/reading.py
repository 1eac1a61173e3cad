"""Reading deal rows for queries: now (read model) or as they stood at a
moment or version (folded from the stream with the projection's evolve)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from projections.base import Evolve
from schema.deals.loaders import load_row
from schema.reading import entity_row as _entity_row
from schema.reading import page_of, parse_id

__all__ = ["entity_row", "page_of", "parse_id"]


async def entity_row(
    info: Info[Any, Any], kind: str, evolve: Evolve, id: strawberry.ID,
    as_of: datetime | None, at_version: int | None,
) -> Any:
    """The row asked for (visibility is checked by the caller)."""
    _, row = await _entity_row(
        info, id, as_of, at_version, lambda stream_id: load_row(info, kind, stream_id), evolve)
    return row
