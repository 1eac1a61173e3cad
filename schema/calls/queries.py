"""Query fields over calls and applications, and their `node(id:)` resolvers."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from projections.calls import evolve_application, evolve_call
from projections.queries import calls as q
from schema.calls.access import (
    application_row,
    call_row,
    call_visibility,
    sees_application,
    sees_call,
)
from schema.calls.types import Application, Call, CallFilter
from schema.common import Connection, Node, connection
from schema.reading import entity_row, optional_id, page_of


async def call_node(info: Info[Any, Any], stream_id: UUID) -> Node | None:
    row = await call_row(info, stream_id)
    return Call.from_row(row) if await sees_call(info, row) else None


async def application_node(info: Info[Any, Any], stream_id: UUID) -> Node | None:
    row = await application_row(info, stream_id)
    return Application.from_row(row) if await sees_application(info, row) else None


def _filter(f: CallFilter | None) -> q.CallFilter:
    if f is None:
        return q.CallFilter()
    return q.CallFilter(
        search=f.search, status=f.status.value if f.status else None,
        corporate_id=optional_id(f.corporate_id, "corporateId"), sector=f.sector,
        open_only=bool(f.open_only),
    )


@strawberry.type
class CallQuery:
    @strawberry.field(description="Published, closed, evaluating, awarded and cancelled calls for everyone; drafts for the corporate's members and auditors. Soonest deadline first, or most relevant first when searching.")
    async def calls(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None,
        filter: CallFilter | None = None,
    ) -> Connection[Call]:
        flt, visibility = _filter(filter), await call_visibility(info)
        page = await page_of(info, first, lambda conn, n: q.list_calls(
            conn, n, after, flt, visibility))
        result: Connection[Call] = connection(page, Call.from_row)
        return result

    @strawberry.field
    async def call(
        self, info: Info[Any, Any], id: strawberry.ID, as_of: datetime | None = None,
        at_version: int | None = None,
    ) -> Call | None:
        current, row = await entity_row(info, id, as_of, at_version,
                                        lambda cid: call_row(info, cid), evolve_call)
        # A draft stays hidden in the past too, and so does a call's draft past.
        visible = await sees_call(info, current) and await sees_call(info, row)
        return Call.from_row(row) if visible else None

    @strawberry.field(description="Seen by the applicant's members, the call's corporate, operators and auditors.")
    async def application(
        self, info: Info[Any, Any], id: strawberry.ID, as_of: datetime | None = None,
        at_version: int | None = None,
    ) -> Application | None:
        current, row = await entity_row(info, id, as_of, at_version,
                                        lambda aid: application_row(info, aid), evolve_application)
        visible = await sees_application(info, current) and row is not None
        return Application.from_row(row) if visible else None
