"""Open-content mutations: translate the input, delegate, map the outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from domain.content import commands as c
from domain.ledger import Recorded
from schema.content.loaders import load_row
from schema.content.types import CaseStudy, PlatformEvent, Resource, ResourceKind
from schema.errors import UserError, execute, parse


@strawberry.input
class PublishResourceInput:
    kind: ResourceKind
    title: str
    body: str
    tags: list[str] = strawberry.field(default_factory=list)
    idempotency_key: str | None = None


@strawberry.input
class ProposeCaseStudyInput:
    agreement_id: strawberry.ID
    title: str
    summary: str
    idempotency_key: str | None = None


@strawberry.input
class ConsentCaseStudyInput:
    id: strawberry.ID
    organisation_id: strawberry.ID = strawberry.field(description="The party (an organisation the viewer is a member of) that consents.")


@strawberry.input
class ScheduleEventInput:
    title: str
    starts_at: datetime = strawberry.field(description="With a time zone.")
    location: str
    capacity: int = strawberry.field(description="How many organisations may register, at least 1.")
    idempotency_key: str | None = None


@strawberry.input
class RegisterForEventInput:
    id: strawberry.ID
    organisation_id: strawberry.ID = strawberry.field(description="An organisation the viewer is a member of; each registers at most once.")


@strawberry.type
class ResourcePayload:
    resource: Resource | None
    user_errors: list[UserError]


@strawberry.type
class CaseStudyPayload:
    case_study: CaseStudy | None
    user_errors: list[UserError]


@strawberry.type
class PlatformEventPayload:
    event: PlatformEvent | None
    user_errors: list[UserError]


def _service(info: Info[Any, Any]) -> Any:
    return info.context.services.commands["content"]


async def _row(info: Info[Any, Any], loader: str, recorded: Recorded | None) -> Any:
    return await load_row(info, loader, recorded.stream_id) if recorded else None


async def _event(info: Info[Any, Any], model: Any, raw: Any, call: Any,
                 root: tuple[str, ...] = ("input",)) -> PlatformEventPayload:
    recorded, errors = await execute(info, lambda: parse(model, raw, root), call)
    row = await _row(info, "content.event", recorded)
    return PlatformEventPayload(event=PlatformEvent.from_row(row) if row else None,
                                user_errors=errors)


async def _case_study(info: Info[Any, Any], model: Any, raw: Any, call: Any) -> CaseStudyPayload:
    recorded, errors = await execute(info, lambda: parse(model, raw), call)
    row = await _row(info, "content.case_study", recorded)
    return CaseStudyPayload(case_study=CaseStudy.from_row(row) if row else None,
                            user_errors=errors)


@strawberry.type
class ContentMutation:
    @strawberry.mutation(description="OPERATOR only.")
    async def publish_resource(self, info: Info[Any, Any], input: PublishResourceInput) -> ResourcePayload:
        recorded, errors = await execute(
            info, lambda: parse(c.PublishResource, input), _service(info).publish_resource)
        row = await _row(info, "content.resource", recorded)
        return ResourcePayload(resource=Resource.from_row(row) if row else None, user_errors=errors)

    @strawberry.mutation(description="A member of either party of an agreement in force or terminated.")
    async def propose_case_study(self, info: Info[Any, Any], input: ProposeCaseStudyInput) -> CaseStudyPayload:
        return await _case_study(info, c.ProposeCaseStudy, input, _service(info).propose_case_study)

    @strawberry.mutation(description="A member of one party consents for it; the second consent publishes the case study.")
    async def consent_to_case_study(self, info: Info[Any, Any], input: ConsentCaseStudyInput) -> CaseStudyPayload:
        return await _case_study(info, c.ConsentToCaseStudy, input, _service(info).consent_to_case_study)

    @strawberry.mutation(description="OPERATOR only.")
    async def schedule_event(self, info: Info[Any, Any], input: ScheduleEventInput) -> PlatformEventPayload:
        return await _event(info, c.ScheduleEvent, input, _service(info).schedule_event)

    @strawberry.mutation(description="A member registers one of their organisations, once, while seats remain and before the event starts.")
    async def register_for_event(self, info: Info[Any, Any], input: RegisterForEventInput) -> PlatformEventPayload:
        return await _event(info, c.RegisterForEvent, input, _service(info).register_for_event)

    @strawberry.mutation(description="OPERATOR only.")
    async def cancel_event(self, info: Info[Any, Any], id: strawberry.ID) -> PlatformEventPayload:
        return await _event(info, c.CancelEvent, {"id": str(id)}, _service(info).cancel_event, root=())
