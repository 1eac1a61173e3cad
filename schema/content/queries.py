"""Query fields over open content, and the `node(id:)` resolvers of its streams."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.content.policy import SEE_UNPUBLISHED, can_see_case_study
from projections.pagination import Page, PaginationError, clamp_first
from projections.queries import content as q
from schema.common import Connection, connection
from schema.content.loaders import load_row
from schema.content.types import CaseStudy, PlatformEvent, Resource, ResourceKind
from schema.errors import bad_request


async def _page(
    info: Info[Any, Any], first: int | None, fetch: Callable[[Any, int], Awaitable[Page[Any]]]
) -> Page[Any]:
    try:
        limit = clamp_first(first)
        async with info.context.pool.acquire() as conn:
            return await fetch(conn, limit)
    except PaginationError as exc:
        raise bad_request(exc) from None


async def case_study_access(info: Info[Any, Any]) -> q.CaseStudyAccess:
    actor = info.context.actor
    return q.CaseStudyAccess(everything=actor.role in SEE_UNPUBLISHED,
                             party_of=await info.context.viewer_orgs())


async def visible_case_study(info: Info[Any, Any], row: Any) -> bool:
    return can_see_case_study(info.context.actor, await info.context.viewer_orgs(),
                              (row["corporate_id"], row["startup_id"]), row["published"])


@strawberry.type
class ContentQuery:
    @strawberry.field(description="Guides, articles, videos and templates. Public. With `search`: French and English full-text search over title, body and tags, best matches first; otherwise newest first.")
    async def resources(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None,
        search: str | None = None, kind: ResourceKind | None = None,
    ) -> Connection[Resource]:
        k = kind.value if kind else None
        page = await _page(info, first, lambda c, n: q.list_resources(c, n, after, search, k))
        result: Connection[Resource] = connection(page, Resource.from_row)
        return result

    @strawberry.field(description="Published case studies, plus the unpublished ones of the viewer's organisations (all of them for operators and auditors); newest first.")
    async def case_studies(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None
    ) -> Connection[CaseStudy]:
        access = await case_study_access(info)
        page = await _page(info, first, lambda c, n: q.list_case_studies(c, n, after, access))
        result: Connection[CaseStudy] = connection(page, CaseStudy.from_row)
        return result

    @strawberry.field(description="Platform events. Public. upcomingOnly (default): those starting after now, soonest first; otherwise all, latest first. Cancelled events are listed, flagged.")
    async def events(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None,
        upcoming_only: bool | None = True,
    ) -> Connection[PlatformEvent]:
        since = datetime.now(UTC) if upcoming_only else None
        page = await _page(info, first, lambda c, n: q.list_events(c, n, after, since))
        result: Connection[PlatformEvent] = connection(page, PlatformEvent.from_row)
        return result


async def resource_node(info: Info[Any, Any], stream_id: UUID) -> Resource | None:
    row = await load_row(info, "content.resource", stream_id)
    return Resource.from_row(row) if row else None


async def case_study_node(info: Info[Any, Any], stream_id: UUID) -> CaseStudy | None:
    row = await load_row(info, "content.case_study", stream_id)
    return CaseStudy.from_row(row) if row and await visible_case_study(info, row) else None


async def event_node(info: Info[Any, Any], stream_id: UUID) -> PlatformEvent | None:
    row = await load_row(info, "content.event", stream_id)
    return PlatformEvent.from_row(row) if row else None

