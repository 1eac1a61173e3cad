"""The Loan aggregate: a scale-up loan from the public bank to a startup.
REQUESTED → UNDER_REVIEW → APPROVED or REJECTED → DISBURSED → REPAID or
DEFAULTED; WITHDRAWN before approval. All amounts in EUR."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.deals.money import Money
from domain.errors import InvalidError, RuleViolationError

Meta = dict[str, Any]

REQUESTED, UNDER_REVIEW, APPROVED, REJECTED = "REQUESTED", "UNDER_REVIEW", "APPROVED", "REJECTED"
DISBURSED, REPAID, DEFAULTED, WITHDRAWN = "DISBURSED", "REPAID", "DEFAULTED", "WITHDRAWN"
LOAN_CURRENCY = "EUR"
MIN_AMOUNT, MAX_AMOUNT = Decimal("50000"), Decimal("5000000")
AMOUNT_FIELD = ("input", "amount")


def check_request(amount: Money, term_months: int) -> None:
    """The programme's bounds: €50k to €5M over 12 to 120 months."""
    if amount.currency != LOAN_CURRENCY:
        raise InvalidError("Scale-up loans are in EUR", (*AMOUNT_FIELD, "currency"))
    if not MIN_AMOUNT <= amount.amount <= MAX_AMOUNT:
        raise InvalidError("A scale-up loan is between 50,000 and 5,000,000 EUR",
                           (*AMOUNT_FIELD, "amount"))
    if not 12 <= term_months <= 120:
        raise InvalidError("The term is 12 to 120 months", ("input", "termMonths"))


class Loan(Aggregate):
    """A loan that takes a pilot to deployment."""

    if TYPE_CHECKING:  # assigned by the events below
        startup_id: str
        agreement_id: str
        requested: Decimal
        approved: Decimal | None
        disbursed: Decimal
        repaid: Decimal
        term_months: int
        status: str

    @classmethod
    def request(
        cls, startup_id: UUID, agreement_id: UUID, amount: Money, term_months: int,
        purpose: str, meta: Meta,
    ) -> Loan:
        """The agreement's eligibility is checked by the service (it loads it)."""
        check_request(amount, term_months)
        return cls(startup_id=str(startup_id), agreement_id=str(agreement_id),
                   amount=amount.to_event(), term_months=term_months, purpose=purpose, meta=meta)

    # No corporate_id: the corporate party must not see the loan.
    @event("LoanRequested")
    def __init__(
        self, startup_id: str, agreement_id: str, amount: dict[str, str], term_months: int,
        purpose: str, meta: Meta,
    ) -> None:
        self.startup_id = startup_id
        self.agreement_id = agreement_id
        self.requested = Decimal(amount["amount"])
        self.approved = None
        self.disbursed = Decimal(0)
        self.repaid = Decimal(0)
        self.term_months = term_months
        self.status = REQUESTED

    def _require(self, *statuses: str, doing: str) -> None:
        if self.status not in statuses:
            raise RuleViolationError(f"A loan that is {self.status} cannot be {doing}")

    def withdraw(self, reason: str | None, meta: Meta) -> None:
        self._require(REQUESTED, UNDER_REVIEW, doing="withdrawn (only before a decision)")
        self._withdrawn(reason=reason, meta=meta)

    @event("LoanWithdrawn")
    def _withdrawn(self, reason: str | None, meta: Meta) -> None:
        self.status = WITHDRAWN

    def start_review(self, meta: Meta) -> None:
        self._require(REQUESTED, doing="put under review")
        self._review_started(meta=meta)

    @event("LoanReviewStarted")
    def _review_started(self, meta: Meta) -> None:
        self.status = UNDER_REVIEW

    def approve(
        self, amount: Money, annual_rate_percent: Decimal, term_months: int,
        deferral_months: int, meta: Meta,
    ) -> None:
        """Grants at most the requested amount, with capital deferral shorter than the term."""
        self._require(UNDER_REVIEW, doing="approved")
        check_decision_term(term_months, deferral_months)
        amount.require_currency(LOAN_CURRENCY, AMOUNT_FIELD)
        if amount.amount > self.requested:
            raise RuleViolationError(f"The approved amount exceeds the {self.requested} requested",
                                     (*AMOUNT_FIELD, "amount"))
        self._approved(amount=amount.to_event(), annual_rate_percent=f"{annual_rate_percent:f}",
                       term_months=term_months, deferral_months=deferral_months, meta=meta)

    @event("LoanApproved")
    def _approved(
        self, amount: dict[str, str], annual_rate_percent: str, term_months: int,
        deferral_months: int, meta: Meta,
    ) -> None:
        self.approved = Decimal(amount["amount"])
        self.term_months = term_months
        self.status = APPROVED

    def reject(self, reason: str, meta: Meta) -> None:
        self._require(UNDER_REVIEW, doing="rejected")
        self._rejected(reason=reason, meta=meta)

    @event("LoanRejected")
    def _rejected(self, reason: str, meta: Meta) -> None:
        self.status = REJECTED

    def disburse(self, amount: Money, meta: Meta) -> None:
        """Pays out part or all of the approved amount, never more."""
        self._require(APPROVED, DISBURSED, doing="disbursed")
        amount.require_currency(LOAN_CURRENCY, AMOUNT_FIELD)
        approved = self.approved or Decimal(0)
        if self.disbursed + amount.amount > approved:
            raise RuleViolationError(
                f"Disbursing {amount.amount} would exceed the {approved} approved "
                f"({self.disbursed} already disbursed)", (*AMOUNT_FIELD, "amount"))
        self._disbursed(amount=amount.to_event(), meta=meta)

    @event("LoanDisbursed")
    def _disbursed(self, amount: dict[str, str], meta: Meta) -> None:
        self.disbursed += Decimal(amount["amount"])
        self.status = DISBURSED

    def record_repayment(self, amount: Money, meta: Meta) -> None:
        """Repays part or all of what was disbursed; REPAID once all of the
        approved amount was disbursed and repaid."""
        self._require(DISBURSED, doing="repaid")
        amount.require_currency(LOAN_CURRENCY, AMOUNT_FIELD)
        if self.repaid + amount.amount > self.disbursed:
            raise RuleViolationError(
                f"Repaying {amount.amount} would exceed the {self.disbursed} disbursed "
                f"({self.repaid} already repaid)", (*AMOUNT_FIELD, "amount"))
        self._repayment_recorded(amount=amount.to_event(), meta=meta)

    @event("LoanRepaymentRecorded")
    def _repayment_recorded(self, amount: dict[str, str], meta: Meta) -> None:
        self.repaid += Decimal(amount["amount"])
        self.status = status_after_repayment(self.repaid, self.approved)

    def flag_default(self, reason: str, meta: Meta) -> None:
        self._require(DISBURSED, doing="flagged as in default")
        self._defaulted(reason=reason, meta=meta)

    @event("LoanDefaulted")
    def _defaulted(self, reason: str, meta: Meta) -> None:
        self.status = DEFAULTED


def check_decision_term(term_months: int, deferral_months: int) -> None:
    if not 12 <= term_months <= 120:
        raise InvalidError("The term is 12 to 120 months", ("input", "termMonths"))
    if not 0 <= deferral_months <= 36 or deferral_months >= term_months:
        raise InvalidError("Capital deferral is 0 to 36 months, shorter than the term",
                           ("input", "deferralMonths"))


def status_after_repayment(repaid: Decimal, approved: Decimal | None) -> str:
    """REPAID when repaid equals the approved amount (hence all of it was
    disbursed, since repaid ≤ disbursed ≤ approved); DISBURSED until then."""
    return REPAID if repaid == approved else DISBURSED
