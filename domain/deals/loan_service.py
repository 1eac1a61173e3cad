"""Scale-up loan use cases: the startup requests and may withdraw; operators
review, decide, disburse, record repayments and defaults. Run off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from domain.actors import CommandContext, Role
from domain.deals import commands as c
from domain.deals.access import organisations_of, require_side
from domain.deals.agreements import Agreement, require_in_force
from domain.deals.loans import Loan
from domain.deals.lookup import load_seen, require_exists, visible_agreement
from domain.errors import RuleViolationError
from domain.ledger import Ledger, Recorded
from domain.organisations.aggregates import Startup
from domain.policy import require_role, require_signed_in
from domain.ports import Memberships

AGREEMENT_FIELD = ("input", "agreementId")
SCALABLE_KINDS = frozenset({"PILOT", "COMMERCIAL"})
Decide = Callable[[Loan, dict[str, str | None]], None]


def check_eligible(agreement: Agreement, startup_id: UUID, now: datetime) -> None:
    """A loan scales up a pilot or commercial agreement in force, of this startup."""
    if UUID(agreement.startup_id) != startup_id:
        raise RuleViolationError("The startup is not a party to this agreement",
                                 AGREEMENT_FIELD)
    if agreement.kind not in SCALABLE_KINDS:
        raise RuleViolationError(
            f"A {agreement.kind} agreement does not qualify: PILOT or COMMERCIAL only",
            AGREEMENT_FIELD)
    require_in_force(agreement, now, AGREEMENT_FIELD)


class LoanService:
    """The scale-up loans of the public bank."""

    def __init__(self, ledger: Ledger, memberships: Memberships) -> None:
        self.ledger = ledger
        self.memberships = memberships

    def request(self, cmd: c.RequestLoan, ctx: CommandContext) -> Recorded:
        require_signed_in(ctx.actor)

        def create() -> Recorded:  # a retry with the same idempotency key skips it all
            self._check_request(cmd, ctx)
            loan = Loan.request(cmd.startup_id, cmd.agreement_id, cmd.amount.money(),
                                cmd.term_months, cmd.purpose, ctx.meta(cmd.startup_id))
            return self.ledger.record(loan, ctx, scope="requestLoan")

        return self.ledger.create_once(ctx, "requestLoan", create)

    def _check_request(self, cmd: c.RequestLoan, ctx: CommandContext) -> None:
        """A member of the startup, borrowing on its own eligible agreement."""
        require_exists(self.ledger, Startup, cmd.startup_id, ("input", "startupId"))
        organisations = organisations_of(ctx.actor, self.memberships)
        require_side(ctx.actor, organisations, cmd.startup_id, "borrowing startup")
        agreement = visible_agreement(self.ledger, ctx.actor, organisations, cmd.agreement_id,
                                      AGREEMENT_FIELD)
        check_eligible(agreement, cmd.startup_id, ctx.now)

    def withdraw(self, cmd: c.EntityCommand, ctx: CommandContext) -> Recorded:
        """The borrower's members, before a decision."""
        loan, organisations = self._load(cmd.id, ctx)
        require_side(ctx.actor, organisations, UUID(loan.startup_id), "borrowing startup")
        meta = ctx.meta(UUID(loan.startup_id))
        return self.ledger.change(Loan, cmd.id, cmd.expected_version,
                                  lambda x: x.withdraw(cmd.reason, meta), ctx)

    def start_review(self, cmd: c.EntityCommand, ctx: CommandContext) -> Recorded:
        return self._by_operator(cmd.id, cmd.expected_version, ctx,
                                 lambda x, meta: x.start_review(meta))

    def approve(self, cmd: c.ApproveLoan, ctx: CommandContext) -> Recorded:
        return self._by_operator(cmd.id, cmd.expected_version, ctx, lambda x, meta: x.approve(
            cmd.amount.money(), cmd.annual_rate_percent, cmd.term_months,
            cmd.deferral_months, meta))

    def reject(self, cmd: c.ReasonedCommand, ctx: CommandContext) -> Recorded:
        return self._by_operator(cmd.id, cmd.expected_version, ctx,
                                 lambda x, meta: x.reject(cmd.reason, meta))

    def disburse(self, cmd: c.AmountCommand, ctx: CommandContext) -> Recorded:
        return self._by_operator(cmd.id, cmd.expected_version, ctx,
                                 lambda x, meta: x.disburse(cmd.amount.money(), meta))

    def record_repayment(self, cmd: c.AmountCommand, ctx: CommandContext) -> Recorded:
        return self._by_operator(cmd.id, cmd.expected_version, ctx,
                                 lambda x, meta: x.record_repayment(cmd.amount.money(), meta))

    def flag_default(self, cmd: c.ReasonedCommand, ctx: CommandContext) -> Recorded:
        return self._by_operator(cmd.id, cmd.expected_version, ctx,
                                 lambda x, meta: x.flag_default(cmd.reason, meta))

    def _by_operator(
        self, loan_id: UUID, version: int | None, ctx: CommandContext, decide: Decide
    ) -> Recorded:
        """NOT_FOUND for outsiders (the corporate party included); FORBIDDEN
        for the borrower and auditors."""
        self._load(loan_id, ctx)
        require_role(ctx.actor, Role.OPERATOR)
        meta = ctx.meta()
        return self.ledger.change(Loan, loan_id, version, lambda x: decide(x, meta), ctx)

    def _load(self, loan_id: UUID, ctx: CommandContext) -> tuple[Loan, frozenset[UUID]]:
        """Seen by the borrower's members, operators and auditors: not the corporate."""
        return load_seen(self.ledger, self.memberships, ctx.actor, Loan, loan_id,
                         _borrower, "loan")


def _borrower(loan: Loan) -> frozenset[UUID]:
    return frozenset({UUID(loan.startup_id)})
