"""Application use cases: startups submit and withdraw; the call's corporate
scores, shortlists, selects and rejects. Run off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from domain.actors import CommandContext, Role
from domain.calls import commands as c
from domain.calls.aggregates import Call
from domain.calls.application import Application
from domain.calls.policy import can_see_application, organisations_of
from domain.calls.service import CallService
from domain.directory.aggregates import Solution
from domain.directory.lookup import load_as
from domain.errors import DuplicateClaimError, NotFoundError, RuleViolationError
from domain.ledger import Ledger, Recorded
from domain.organisations.aggregates import Startup
from domain.policy import require_member, require_role, require_signed_in
from domain.ports import Memberships

Meta = dict[str, Any]
# One application per startup per call, ever: a unique claim in the same
# transaction as ApplicationSubmitted, so two concurrent submissions cannot both
# win. Claims are never released, so a withdrawn or rejected application keeps
# the slot (docs/calls.md explains why).
CLAIM = "APPLICATION"


class ApplicationService:
    """Applications to calls for projects."""

    def __init__(self, ledger: Ledger, memberships: Memberships, calls: CallService) -> None:
        self.ledger = ledger
        self.memberships = memberships
        self.calls = calls

    def submit_application(self, cmd: c.SubmitApplication, ctx: CommandContext) -> Recorded:
        call = self.calls.visible_call(cmd.call_id, ctx, ("input", "callId"))
        require_role(ctx.actor, Role.STARTUP)
        load_as(self.ledger, Startup, cmd.startup_id, ("input", "startupId"))
        require_member(ctx.actor, cmd.startup_id, self.memberships, field=("input", "startupId"))
        solution = (load_as(self.ledger, Solution, cmd.solution_id, ("input", "solutionId"))
                    if cmd.solution_id else None)

        def create() -> Recorded:
            application = Application.submit(call, cmd.startup_id, solution, cmd.pitch,
                                             ctx.now, ctx.meta(cmd.startup_id))
            try:
                return self.ledger.record(application, ctx, scope="submitApplication",
                                          claims=((CLAIM, f"{call.id}:{cmd.startup_id}"),))
            except DuplicateClaimError:
                raise RuleViolationError("This startup has already applied to this call",
                                         ("input", "startupId")) from None

        return self.ledger.create_once(ctx, "submitApplication", create)

    def withdraw_application(self, cmd: c.ApplicationCommand, ctx: CommandContext) -> Recorded:
        return self._as_applicant(cmd.id, cmd.expected_version, ctx,
                                  lambda a, meta: a.withdraw(cmd.reason, meta))

    def score_application(self, cmd: c.ScoreApplication, ctx: CommandContext) -> Recorded:
        evaluator = require_signed_in(ctx.actor)
        return self._as_evaluator(
            cmd.id, None, ctx,
            lambda a, call, meta: a.score(call, cmd.criterion, cmd.value, evaluator, meta))

    def shortlist_application(self, cmd: c.ApplicationCommand, ctx: CommandContext) -> Recorded:
        return self._as_evaluator(cmd.id, cmd.expected_version, ctx,
                                  lambda a, call, meta: a.shortlist(call, meta))

    def select_application(self, cmd: c.ApplicationCommand, ctx: CommandContext) -> Recorded:
        return self._as_evaluator(cmd.id, cmd.expected_version, ctx,
                                  lambda a, call, meta: a.select(call, meta))

    def reject_application(self, cmd: c.RejectApplication, ctx: CommandContext) -> Recorded:
        return self._as_evaluator(cmd.id, cmd.expected_version, ctx,
                                  lambda a, call, meta: a.reject(call, cmd.reason, meta))

    def _visible(self, application_id: UUID, ctx: CommandContext) -> Application:
        """The application, or NOT_FOUND for anyone who may not see it."""
        require_signed_in(ctx.actor)
        application = load_as(self.ledger, Application, application_id, ("input", "id"))
        orgs = organisations_of(ctx.actor, self.memberships)
        if not can_see_application(ctx.actor, orgs, application.startup_id,
                                   application.corporate_id):
            raise NotFoundError(f"No application with id {application_id}", ("input", "id"))
        return application

    def _as_applicant(
        self, application_id: UUID, expected_version: int | None, ctx: CommandContext,
        command: Callable[[Application, Meta], None],
    ) -> Recorded:
        startup_id = self._visible(application_id, ctx).startup_id
        require_role(ctx.actor, Role.STARTUP)
        require_member(ctx.actor, startup_id, self.memberships)
        meta = ctx.meta(startup_id)
        return self.ledger.change(Application, application_id, expected_version,
                                  lambda a: command(a, meta), ctx)

    def _as_evaluator(
        self, application_id: UUID, expected_version: int | None, ctx: CommandContext,
        command: Callable[[Application, Call, Meta], None],
    ) -> Recorded:
        application = self._visible(application_id, ctx)
        require_role(ctx.actor, Role.CORPORATE)
        require_member(ctx.actor, application.corporate_id, self.memberships)
        call = self.ledger.load(Call, application.call_id)
        meta = ctx.meta(application.corporate_id)
        return self.ledger.change(Application, application_id, expected_version,
                                  lambda a: command(a, call, meta), ctx)
