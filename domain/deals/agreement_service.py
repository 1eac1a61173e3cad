"""Agreement use cases: authorize, load, decide, save. Run off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from domain.actors import CommandContext, Role
from domain.deals import commands as c
from domain.deals.access import organisations_of, require_party
from domain.deals.agreements import Agreement
from domain.deals.applications import check_application, load_application
from domain.deals.lookup import load_seen, require_exists
from domain.ledger import Ledger, Recorded
from domain.organisations.aggregates import Corporate, Startup
from domain.policy import require_member, require_role, require_signed_in
from domain.ports import Memberships


class AgreementService:
    """Proposing, amending, signing, rejecting, terminating and expiring agreements."""

    def __init__(self, ledger: Ledger, memberships: Memberships) -> None:
        self.ledger = ledger
        self.memberships = memberships

    def propose(self, cmd: c.ProposeAgreement, ctx: CommandContext) -> Recorded:
        """By a member of either party; with an application, the parties are its own."""
        require_signed_in(ctx.actor)

        def create() -> Recorded:  # a retry with the same idempotency key skips it all
            acting_for = self._check_proposal(cmd, ctx)
            agreement = Agreement.propose(
                cmd.kind, cmd.title, cmd.corporate_id, cmd.startup_id, cmd.application_id,
                cmd.terms.canonical(), ctx.meta(acting_for))
            return self.ledger.record(agreement, ctx, scope="proposeAgreement")

        return self.ledger.create_once(ctx, "proposeAgreement", create)

    def _check_proposal(self, cmd: c.ProposeAgreement, ctx: CommandContext) -> UUID:
        """The parties exist, the proposer belongs to one, the application fits."""
        require_exists(self.ledger, Corporate, cmd.corporate_id, ("input", "corporateId"))
        require_exists(self.ledger, Startup, cmd.startup_id, ("input", "startupId"))
        parties = frozenset({cmd.corporate_id, cmd.startup_id})
        organisations = organisations_of(ctx.actor, self.memberships)
        acting_for = require_party(ctx.actor, organisations, parties, "agreement")
        if cmd.application_id is not None:
            facts = load_application(self.ledger, cmd.application_id)
            check_application(facts, organisations, cmd.corporate_id, cmd.startup_id)
        return acting_for

    def amend(self, cmd: c.AmendAgreement, ctx: CommandContext) -> Recorded:
        terms = cmd.terms.canonical()
        return self._change(cmd.id, cmd.expected_version, ctx,
                            lambda a, meta: a.amend(terms, meta))

    def sign(self, cmd: c.SignAgreement, ctx: CommandContext) -> Recorded:
        """For the named party, by one of its members."""
        self._load(cmd.id, ctx)
        require_member(ctx.actor, cmd.organisation_id, self.memberships,
                       field=("input", "organisationId"))
        user_id = ctx.actor.user_id or ""
        meta = ctx.meta(cmd.organisation_id)
        return self.ledger.change(
            Agreement, cmd.id, None,
            lambda a: a.sign(cmd.organisation_id, user_id, cmd.revision, meta), ctx)

    def reject(self, cmd: c.EntityCommand, ctx: CommandContext) -> Recorded:
        return self._change(cmd.id, cmd.expected_version, ctx,
                            lambda a, meta: a.reject(cmd.reason, meta))

    def terminate(self, cmd: c.ReasonedCommand, ctx: CommandContext) -> Recorded:
        return self._change(cmd.id, cmd.expected_version, ctx,
                            lambda a, meta: a.terminate(cmd.reason, ctx.now, meta))

    def expire(self, agreement_id: UUID, ctx: CommandContext) -> Recorded:
        """By the platform (an OPERATOR actor: infra/expiry.py), once the
        agreement's duration has run out at `ctx.now`; nobody else ends it so."""
        require_role(ctx.actor, Role.OPERATOR)
        meta = ctx.meta()
        return self.ledger.change(Agreement, agreement_id, None,
                                  lambda a: a.expire(ctx.now, meta), ctx)

    def _change(
        self, agreement_id: UUID, expected_version: int | None, ctx: CommandContext,
        decide: Callable[[Agreement, dict[str, str | None]], None],
    ) -> Recorded:
        """NOT_FOUND for outsiders, FORBIDDEN for operators and auditors."""
        agreement, organisations = self._load(agreement_id, ctx)
        meta = ctx.meta(require_party(ctx.actor, organisations, agreement.parties, "agreement"))
        return self.ledger.change(Agreement, agreement_id, expected_version,
                                  lambda a: decide(a, meta), ctx)

    def _load(self, agreement_id: UUID, ctx: CommandContext) -> tuple[Agreement, frozenset[UUID]]:
        return load_seen(self.ledger, self.memberships, ctx.actor, Agreement, agreement_id,
                         lambda a: a.parties, "agreement")
