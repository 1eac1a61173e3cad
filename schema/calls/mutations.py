"""Call and application mutations: translate the input, delegate, map the outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from domain.calls import commands as c
from schema.calls.access import application_row, call_row
from schema.calls.money import MoneyInput
from schema.calls.types import Application, Call
from schema.errors import UserError, execute, parse


@strawberry.input
class CriterionInput:
    name: str
    weight: int


@strawberry.input
class DraftCallInput:
    corporate_id: strawberry.ID
    title: str
    challenge: str
    sectors: list[str] = strawberry.field(default_factory=list)
    technologies: list[str] = strawberry.field(default_factory=list)
    criteria: list[CriterionInput]
    budget: MoneyInput | None = None
    deadline: datetime
    idempotency_key: str | None = None


@strawberry.input
class CallCommandInput:
    id: strawberry.ID
    expected_version: int | None = None
    reason: str | None = None


@strawberry.input
class ExtendDeadlineInput:
    id: strawberry.ID
    expected_version: int | None = None
    deadline: datetime


@strawberry.input
class SubmitApplicationInput:
    call_id: strawberry.ID
    startup_id: strawberry.ID
    solution_id: strawberry.ID | None = None
    pitch: str
    idempotency_key: str | None = None


@strawberry.input
class ScoreApplicationInput:
    id: strawberry.ID
    criterion: str
    value: int


@strawberry.input
class ApplicationCommandInput:
    id: strawberry.ID
    expected_version: int | None = None
    reason: str | None = None


@strawberry.type
class CallPayload:
    call: Call | None
    user_errors: list[UserError]


@strawberry.type
class ApplicationPayload:
    application: Application | None
    user_errors: list[UserError]


async def _call(info: Info[Any, Any], model: Any, raw: Any, method: str) -> CallPayload:
    service = info.context.services.commands["calls"]
    recorded, errors = await execute(info, lambda: parse(model, raw), getattr(service, method))
    row = await call_row(info, recorded.stream_id) if recorded else None
    return CallPayload(call=Call.from_row(row) if row else None, user_errors=errors)


async def _application(info: Info[Any, Any], model: Any, raw: Any, method: str) -> ApplicationPayload:
    service = info.context.services.commands["applications"]
    recorded, errors = await execute(info, lambda: parse(model, raw), getattr(service, method))
    row = await application_row(info, recorded.stream_id) if recorded else None
    return ApplicationPayload(application=Application.from_row(row) if row else None, user_errors=errors)


@strawberry.type
class CallMutation:
    @strawberry.mutation(description="Members of the corporate. Criteria must be publishable: at least one, distinct names, weights adding up to 100.")
    async def draft_call(self, info: Info[Any, Any], input: DraftCallInput) -> CallPayload:
        return await _call(info, c.DraftCall, input, "draft_call")

    @strawberry.mutation(description="DRAFT → PUBLISHED; needs a deadline in the future.")
    async def publish_call(self, info: Info[Any, Any], input: CallCommandInput) -> CallPayload:
        return await _call(info, c.CallCommand, input, "publish_call")

    @strawberry.mutation(description="Only to a later deadline; the only change once published.")
    async def extend_call_deadline(self, info: Info[Any, Any], input: ExtendDeadlineInput) -> CallPayload:
        return await _call(info, c.ExtendDeadline, input, "extend_call_deadline")

    @strawberry.mutation(description="PUBLISHED → CLOSED.")
    async def close_call(self, info: Info[Any, Any], input: CallCommandInput) -> CallPayload:
        return await _call(info, c.CallCommand, input, "close_call")

    @strawberry.mutation(description="CLOSED → EVALUATING.")
    async def start_evaluation(self, info: Info[Any, Any], input: CallCommandInput) -> CallPayload:
        return await _call(info, c.CallCommand, input, "start_evaluation")

    @strawberry.mutation(description="From any status before AWARDED.")
    async def cancel_call(self, info: Info[Any, Any], input: CallCommandInput) -> CallPayload:
        return await _call(info, c.CallCommand, input, "cancel_call")

    @strawberry.mutation(description="Awards the call to its SELECTED applications.")
    async def award_call(self, info: Info[Any, Any], input: CallCommandInput) -> CallPayload:
        return await _call(info, c.CallCommand, input, "award_call")


@strawberry.type
class ApplicationMutation:
    @strawberry.mutation(description="Members of the startup, while the call is PUBLISHED and before its deadline; one application per startup per call.")
    async def submit_application(self, info: Info[Any, Any], input: SubmitApplicationInput) -> ApplicationPayload:
        return await _application(info, c.SubmitApplication, input, "submit_application")

    @strawberry.mutation(description="Members of the startup, until the corporate decides.")
    async def withdraw_application(self, info: Info[Any, Any], input: ApplicationCommandInput) -> ApplicationPayload:
        return await _application(info, c.ApplicationCommand, input, "withdraw_application")

    @strawberry.mutation(description="Members of the call's corporate, while it is EVALUATING; 0 to 10; scoring again replaces one's own score.")
    async def score_application(self, info: Info[Any, Any], input: ScoreApplicationInput) -> ApplicationPayload:
        return await _application(info, c.ScoreApplication, input, "score_application")

    @strawberry.mutation(description="Members of the call's corporate, while it is EVALUATING.")
    async def shortlist_application(self, info: Info[Any, Any], input: ApplicationCommandInput) -> ApplicationPayload:
        return await _application(info, c.ApplicationCommand, input, "shortlist_application")

    @strawberry.mutation(description="Members of the call's corporate; every criterion must be scored.")
    async def select_application(self, info: Info[Any, Any], input: ApplicationCommandInput) -> ApplicationPayload:
        return await _application(info, c.ApplicationCommand, input, "select_application")

    @strawberry.mutation(description="Members of the call's corporate, with a reason.")
    async def reject_application(self, info: Info[Any, Any], input: ApplicationCommandInput) -> ApplicationPayload:
        return await _application(info, c.RejectApplication, input, "reject_application")
