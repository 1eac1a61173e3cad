"""`Startup.solutions`, as a function the organisations type calls (it lives
in another slice's module)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from strawberry.types import Info

from domain.actors import Role
from projections.queries import directory as q
from schema.common import Connection, connection
from schema.directory.types import Solution
from schema.reading import page_of


async def startup_solutions(
    info: Info[Any, Any], startup_id: UUID, first: int | None, after: str | None
) -> Connection[Solution]:
    """Published solutions for anyone; withdrawn ones too for the startup's own
    members, operators and auditors."""
    context = info.context
    own = (context.actor.role in (Role.OPERATOR, Role.AUDITOR)
           or startup_id in await context.viewer_orgs())
    page = await page_of(info, first, lambda conn, n: q.solutions_of_startup(
        conn, startup_id, n, after, include_withdrawn=own))
    result: Connection[Solution] = connection(page, Solution.from_row)
    return result
