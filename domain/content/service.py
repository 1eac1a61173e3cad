"""Open-content use cases: authorize, load, decide, save. Run off the event loop."""

from __future__ import annotations

from uuid import UUID

from domain.actors import Actor, CommandContext, Role
from domain.content import commands as c
from domain.content.aggregates import CaseStudy, Event, Resource
from domain.content.agreements import FIELD as AGREEMENT_FIELD
from domain.content.agreements import read_agreement
from domain.content.policy import can_see_case_study, proposing_party
from domain.errors import NotFoundError, RuleViolationError
from domain.ledger import Ledger, Recorded
from domain.policy import require_member, require_role, require_signed_in, viewer_organisations
from domain.ports import Memberships

ORGANISATION_FIELD = ("input", "organisationId")


class ContentService:
    """Resources, case studies and events."""

    def __init__(self, ledger: Ledger, memberships: Memberships) -> None:
        self.ledger = ledger
        self.memberships = memberships

    def _member_of(self, actor: Actor) -> frozenset[UUID]:
        if actor.user_id is None:
            return frozenset()
        return frozenset(self.memberships.roles_of(actor.user_id))

    def publish_resource(self, cmd: c.PublishResource, ctx: CommandContext) -> Recorded:
        require_role(ctx.actor, Role.OPERATOR)

        def create() -> Recorded:
            resource = Resource(kind=cmd.kind, title=cmd.title, body=cmd.body, tags=cmd.tags,
                                meta=ctx.meta())
            return self.ledger.record(resource, ctx, scope="publishResource")

        return self.ledger.create_once(ctx, "publishResource", create)

    def propose_case_study(self, cmd: c.ProposeCaseStudy, ctx: CommandContext) -> Recorded:
        require_signed_in(ctx.actor)

        def create() -> Recorded:
            agreement = read_agreement(self.ledger, cmd.agreement_id)
            org = proposing_party(ctx.actor, self._member_of(ctx.actor), agreement.parties,
                                  AGREEMENT_FIELD)
            if not agreement.has_run:
                raise RuleViolationError(
                    "Only an agreement in force or terminated makes a case study",
                    AGREEMENT_FIELD)
            study = CaseStudy(
                agreement_id=str(agreement.id), corporate_id=str(agreement.corporate_id),
                startup_id=str(agreement.startup_id), title=cmd.title, summary=cmd.summary,
                meta=ctx.meta(org),
            )
            return self.ledger.record(study, ctx, scope="proposeCaseStudy")

        return self.ledger.create_once(ctx, "proposeCaseStudy", create)

    def consent_to_case_study(self, cmd: c.ConsentToCaseStudy, ctx: CommandContext) -> Recorded:
        require_signed_in(ctx.actor)
        study = self.ledger.load(CaseStudy, cmd.id)
        viewer_orgs = viewer_organisations(ctx.actor, self._member_of(ctx.actor))
        parties = {UUID(p) for p in study.parties}
        if not can_see_case_study(ctx.actor, viewer_orgs, parties, study.published):
            raise NotFoundError(f"No casestudy with id {cmd.id}")
        require_member(ctx.actor, cmd.organisation_id, self.memberships, field=ORGANISATION_FIELD)
        meta = ctx.meta(cmd.organisation_id)
        return self.ledger.change(
            CaseStudy, cmd.id, None, lambda s: s.consent(cmd.organisation_id, meta), ctx)

    def schedule_event(self, cmd: c.ScheduleEvent, ctx: CommandContext) -> Recorded:
        require_role(ctx.actor, Role.OPERATOR)

        def create() -> Recorded:
            scheduled = Event.schedule(cmd.title, cmd.starts_at, cmd.location, cmd.capacity,
                                       ctx.meta())
            return self.ledger.record(scheduled, ctx, scope="scheduleEvent")

        return self.ledger.create_once(ctx, "scheduleEvent", create)

    def register_for_event(self, cmd: c.RegisterForEvent, ctx: CommandContext) -> Recorded:
        require_signed_in(ctx.actor)
        self.ledger.load(Event, cmd.id)  # NOT_FOUND before FORBIDDEN
        require_member(ctx.actor, cmd.organisation_id, self.memberships, field=ORGANISATION_FIELD)
        meta = ctx.meta(cmd.organisation_id)
        return self.ledger.change(
            Event, cmd.id, None,
            lambda e: e.register_organisation(cmd.organisation_id, ctx.now, meta), ctx)

    def cancel_event(self, cmd: c.CancelEvent, ctx: CommandContext) -> Recorded:
        require_signed_in(ctx.actor)
        self.ledger.load(Event, cmd.id)
        require_role(ctx.actor, Role.OPERATOR)
        return self.ledger.change(Event, cmd.id, None, lambda e: e.cancel(ctx.meta()), ctx)
