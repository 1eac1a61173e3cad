"""`Startup.applications` and `Corporate.calls`, as functions the organisation
types call (they live in another slice's module)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from strawberry.types import Info

from projections.queries import calls as q
from schema.calls.access import application_visibility, call_visibility
from schema.calls.types import Application, Call
from schema.common import Connection, connection
from schema.reading import page_of


async def startup_applications(
    info: Info[Any, Any], startup_id: UUID, first: int | None, after: str | None
) -> Connection[Application]:
    """The startup's own members, operators and auditors see them all; a corporate
    sees those sent to its calls; anyone else none."""
    visibility = await application_visibility(info)
    page = await page_of(info, first, lambda conn, n: q.list_applications(
        conn, n, after, visibility, startup_id=startup_id))
    result: Connection[Application] = connection(page, Application.from_row)
    return result


async def corporate_calls(
    info: Info[Any, Any], corporate_id: UUID, first: int | None, after: str | None
) -> Connection[Call]:
    """The corporate's calls, drafts only for its members and auditors."""
    visibility = await call_visibility(info)
    flt = q.CallFilter(corporate_id=corporate_id)
    page = await page_of(info, first, lambda conn, n: q.list_calls(conn, n, after, flt, visibility))
    result: Connection[Call] = connection(page, Call.from_row)
    return result
