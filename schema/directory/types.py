"""Solution types, built from read-model rows."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from projections.queries import directory as q
from schema.common import Node, Versioned
from schema.organisations.types import Startup
from schema.reading import load_by_id


@strawberry.enum
class SolutionStatus(Enum):
    PUBLISHED = "PUBLISHED"
    WITHDRAWN = "WITHDRAWN"


@strawberry.type
class Solution(Node, Versioned):
    id: strawberry.ID
    version: int
    created_at: datetime
    updated_at: datetime
    title: str
    summary: str
    technologies: list[str]
    sectors: list[str]
    trl: int = strawberry.field(description="Technology readiness level, 1 to 9.")
    status: SolutionStatus
    startup_id: strawberry.Private[UUID]

    @strawberry.field
    async def startup(self, info: Info[Any, Any]) -> Startup:
        return Startup.from_row(await info.context.loaders.organisation.load(self.startup_id))

    @classmethod
    def from_row(cls, row: Any) -> Solution:
        return cls(
            id=strawberry.ID(str(row["id"])), version=row["version"],
            created_at=row["created_at"], updated_at=row["updated_at"], title=row["title"],
            summary=row["summary"], technologies=list(row["technologies"]),
            sectors=list(row["sectors"]), trl=row["trl"], status=SolutionStatus(row["status"]),
            startup_id=row["startup_id"],
        )


async def solution_row(info: Info[Any, Any], solution_id: UUID) -> Any:
    return await load_by_id(info, "directory.solution", q.solutions_by_id, solution_id)


@strawberry.input
class SolutionFilter:
    search: str | None = strawberry.field(default=None, description="Full-text search over title, summary, technologies and sectors (French and English, accents ignored).")
    technology: str | None = None
    sector: str | None = None
    min_trl: int | None = None
