"""Call use cases: authorize, load, decide, save. Run off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from domain.actors import CommandContext, Role
from domain.calls import commands as c
from domain.calls.aggregates import Call
from domain.calls.application import Application
from domain.calls.policy import can_see_call, organisations_of
from domain.calls.ports import CallApplications
from domain.calls.rules import ApplicationStatus
from domain.directory.lookup import load_as
from domain.errors import NotFoundError
from domain.ledger import Ledger, Recorded
from domain.organisations.aggregates import Corporate
from domain.policy import require_member, require_role, require_signed_in
from domain.ports import Memberships

Meta = dict[str, Any]


class CallService:
    """A corporate's members draft, publish, extend, close, evaluate, cancel and award."""

    def __init__(
        self, ledger: Ledger, memberships: Memberships, applications: CallApplications
    ) -> None:
        self.ledger = ledger
        self.memberships = memberships
        self.applications = applications

    def draft_call(self, cmd: c.DraftCall, ctx: CommandContext) -> Recorded:
        require_role(ctx.actor, Role.CORPORATE)
        field = ("input", "corporateId")
        load_as(self.ledger, Corporate, cmd.corporate_id, field)  # NOT_FOUND before FORBIDDEN
        require_member(ctx.actor, cmd.corporate_id, self.memberships, field=field)

        def create() -> Recorded:
            call = Call.draft(
                corporate_id=cmd.corporate_id, title=cmd.title, challenge=cmd.challenge,
                sectors=cmd.sectors, technologies=cmd.technologies,
                criteria=cmd.criteria_as_event(),
                budget=cmd.budget.as_event() if cmd.budget else None,
                deadline=cmd.deadline, now=ctx.now, meta=ctx.meta(cmd.corporate_id),
            )
            return self.ledger.record(call, ctx, scope="draftCall")

        return self.ledger.create_once(ctx, "draftCall", create)

    def publish_call(self, cmd: c.CallCommand, ctx: CommandContext) -> Recorded:
        return self._change(cmd.id, cmd.expected_version, ctx,
                            lambda call, meta: call.publish(ctx.now, meta))

    def extend_call_deadline(self, cmd: c.ExtendDeadline, ctx: CommandContext) -> Recorded:
        return self._change(cmd.id, cmd.expected_version, ctx,
                            lambda call, meta: call.extend_deadline(cmd.deadline, ctx.now, meta))

    def close_call(self, cmd: c.CallCommand, ctx: CommandContext) -> Recorded:
        return self._change(cmd.id, cmd.expected_version, ctx,
                            lambda call, meta: call.close(meta))

    def start_evaluation(self, cmd: c.CallCommand, ctx: CommandContext) -> Recorded:
        return self._change(cmd.id, cmd.expected_version, ctx,
                            lambda call, meta: call.start_evaluation(meta))

    def cancel_call(self, cmd: c.CallCommand, ctx: CommandContext) -> Recorded:
        return self._change(cmd.id, cmd.expected_version, ctx,
                            lambda call, meta: call.cancel(cmd.reason, meta))

    def award_call(self, cmd: c.CallCommand, ctx: CommandContext) -> Recorded:
        """To the applications whose own streams say SELECTED for this call."""
        return self._change(cmd.id, cmd.expected_version, ctx,
                            lambda call, meta: call.award(self._selected(cmd.id), meta))

    def _selected(self, call_id: UUID) -> list[UUID]:
        # The read model proposes; the ledger decides (a stale row cannot award).
        selected = []
        for application_id in self.applications.selected_for(call_id):
            application = self.ledger.load(Application, application_id)
            if application.call_id == call_id and application.status == ApplicationStatus.SELECTED:
                selected.append(application_id)
        return selected

    def visible_call(self, call_id: UUID, ctx: CommandContext, field: tuple[str, ...]) -> Call:
        """The call, or NOT_FOUND when the actor may not even see it (a stranger's draft)."""
        require_signed_in(ctx.actor)
        call = load_as(self.ledger, Call, call_id, field)
        orgs = organisations_of(ctx.actor, self.memberships)
        if not can_see_call(ctx.actor, orgs, call.status, call.corporate_id):
            raise NotFoundError(f"No call with id {call_id}", field)
        return call

    def _change(
        self, call_id: UUID, expected_version: int | None, ctx: CommandContext,
        command: Callable[[Call, Meta], None],
    ) -> Recorded:
        call = self.visible_call(call_id, ctx, ("input", "id"))
        require_role(ctx.actor, Role.CORPORATE)
        require_member(ctx.actor, call.corporate_id, self.memberships)
        meta = ctx.meta(call.corporate_id)
        return self.ledger.change(Call, call_id, expected_version, lambda x: command(x, meta), ctx)
