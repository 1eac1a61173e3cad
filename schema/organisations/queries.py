"""Query fields over organisations and the viewer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from projections.organisations import evolve_organisation
from projections.pagination import PaginationError
from projections.queries import organisations as q
from projections.queries.timetravel import fold_stream, wants_past
from schema.common import Connection, Role, connection
from schema.errors import bad_request
from schema.organisations.types import Corporate, Startup, StartupFilter, Viewer
from schema.reading import page_of, parse_id


async def organisation_row(
    info: Info[Any, Any], id: strawberry.ID, as_of: datetime | None, at_version: int | None
) -> Any:
    stream_id = parse_id(id)
    if stream_id is None:
        return None
    if at_version is not None and at_version < 1:
        raise bad_request(PaginationError("atVersion starts at 1"))
    if not wants_past(as_of, at_version):
        return await info.context.loaders.organisation.load(stream_id)
    async with info.context.pool.acquire() as conn:
        return await fold_stream(conn, stream_id, evolve_organisation, as_of, at_version)


@strawberry.type
class OrganisationQuery:
    @strawberry.field
    def viewer(self, info: Info[Any, Any]) -> Viewer:
        actor = info.context.actor
        return Viewer(user_id=actor.user_id, role=Role(actor.role.value))

    @strawberry.field
    async def startups(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None,
        filter: StartupFilter | None = None,
    ) -> Connection[Startup]:
        f = filter or StartupFilter()
        flt = q.StartupFilter(f.search, f.sector, f.technology, f.label.value if f.label else None)
        page = await page_of(info, first, lambda conn, n: q.list_startups(conn, n, after, flt))
        result: Connection[Startup] = connection(page, Startup.from_row)
        return result

    @strawberry.field
    async def startup(
        self, info: Info[Any, Any], id: strawberry.ID, as_of: datetime | None = None,
        at_version: int | None = None,
    ) -> Startup | None:
        row = await organisation_row(info, id, as_of, at_version)
        past = (as_of, at_version) if wants_past(as_of, at_version) else None
        return Startup.from_row(row, past) if row and row["kind"] == "STARTUP" else None

    @strawberry.field
    async def corporates(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None,
        search: str | None = None,
    ) -> Connection[Corporate]:
        page = await page_of(info, first, lambda conn, n: q.list_corporates(conn, n, after, search))
        result: Connection[Corporate] = connection(page, Corporate.from_row)
        return result

    @strawberry.field
    async def corporate(
        self, info: Info[Any, Any], id: strawberry.ID, as_of: datetime | None = None,
        at_version: int | None = None,
    ) -> Corporate | None:
        row = await organisation_row(info, id, as_of, at_version)
        past = (as_of, at_version) if wants_past(as_of, at_version) else None
        return Corporate.from_row(row, past) if row and row["kind"] == "CORPORATE" else None
