"""Query fields over the directory of solutions."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from projections.directory import evolve_solution
from projections.queries import directory as q
from schema.common import Connection, Node, connection
from schema.directory.types import Solution, SolutionFilter, solution_row
from schema.reading import entity_row, page_of


async def solution_node(info: Info[Any, Any], stream_id: UUID) -> Node | None:
    """`node(id:)` for Solution streams: the directory is public."""
    row = await solution_row(info, stream_id)
    return Solution.from_row(row) if row else None


@strawberry.type
class DirectoryQuery:
    @strawberry.field(description="The public directory: published solutions, ranked by relevance when searching.")
    async def solutions(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None,
        filter: SolutionFilter | None = None,
    ) -> Connection[Solution]:
        f = filter or SolutionFilter()
        flt = q.SolutionFilter(f.search, f.technology, f.sector, f.min_trl)
        page = await page_of(info, first, lambda conn, n: q.list_solutions(conn, n, after, flt))
        result: Connection[Solution] = connection(page, Solution.from_row)
        return result

    @strawberry.field(description="Public, withdrawn ones included (their status says so).")
    async def solution(
        self, info: Info[Any, Any], id: strawberry.ID, as_of: datetime | None = None,
        at_version: int | None = None,
    ) -> Solution | None:
        _, row = await entity_row(info, id, as_of, at_version,
                                  lambda sid: solution_row(info, sid), evolve_solution)
        return Solution.from_row(row) if row else None
