"""Scale-up loans under random command sequences: disbursed ≤ approved ≤
requested, repaid ≤ disbursed, the outstanding amount, and the statuses
REQUESTED → UNDER_REVIEW → APPROVED | REJECTED → DISBURSED → REPAID | DEFAULTED
(WITHDRAWN before a decision)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.deals.loans import Loan
from domain.deals.money import Money
from tests.properties.support import MACHINE_SETTINGS, META, Journal, cents

MOVES = {  # command → (statuses it applies in, status after)
    "withdraw": ({"REQUESTED", "UNDER_REVIEW"}, "WITHDRAWN"),
    "start_review": ({"REQUESTED"}, "UNDER_REVIEW"),
    "reject": ({"UNDER_REVIEW"}, "REJECTED"),
    "flag_default": ({"DISBURSED"}, "DEFAULTED"),
}
FRACTIONS = st.sampled_from([Decimal("0.3"), Decimal("0.5"), Decimal(1)])


class LoanMachine(RuleBasedStateMachine):
    journal: Journal
    loan: Loan

    @initialize(amount=cents("50000", "5000000"), term=st.integers(12, 120))
    def request(self, amount: Decimal, term: int) -> None:
        loan = Loan.request(UUID(int=2), UUID(int=3), Money.of(amount), term, "Deploy", META)
        self.journal, self.loan = Journal(loan), loan
        self.status, self.requested = "REQUESTED", amount
        self.approved: Decimal | None = None
        self.disbursed = self.repaid = Decimal(0)

    @rule(command=st.sampled_from(sorted(MOVES)))
    def move(self, command: str) -> None:
        before = self.status
        method = getattr(self.loan, command)
        args = [] if command == "start_review" else ["Because"]
        applied = self.journal.run(lambda: method(*args, META))
        allowed, after = MOVES[command]
        assert applied == (before in allowed), (command, before)
        if applied:
            self.status = after

    @rule(fraction=st.sampled_from([Decimal("0.5"), Decimal(1), Decimal("1.1")]),
          term=st.integers(6, 130), deferral=st.integers(0, 40),
          rate=st.decimals(Decimal(0), Decimal(9), places=2))
    def approve(self, fraction: Decimal, term: int, deferral: int, rate: Decimal) -> None:
        amount = (self.requested * fraction).quantize(Decimal("0.01"))
        valid = 12 <= term <= 120 and 0 <= deferral <= 36 and deferral < term
        applied = self.journal.run(
            lambda: self.loan.approve(Money.of(amount), rate, term, deferral, META))
        assert applied == (self.status == "UNDER_REVIEW" and valid and amount <= self.requested)
        if applied:
            self.status, self.approved = "APPROVED", amount

    @rule(fraction=FRACTIONS, extra=cents("0", "2"), currency=st.sampled_from(["EUR", "CHF"]))
    def disburse(self, fraction: Decimal, extra: Decimal, currency: str) -> None:
        room = (self.approved or Decimal(0)) - self.disbursed
        amount = (room * fraction).quantize(Decimal("0.01")) + extra
        if amount <= 0:
            return
        applied = self.journal.run(lambda: self.loan.disburse(Money.of(amount, currency), META))
        assert applied == (self.status in ("APPROVED", "DISBURSED") and currency == "EUR"
                           and amount <= room)
        if applied:
            self.status, self.disbursed = "DISBURSED", self.disbursed + amount

    @rule(fraction=FRACTIONS, extra=cents("0", "2"))
    def repay(self, fraction: Decimal, extra: Decimal) -> None:
        room = self.disbursed - self.repaid
        amount = (room * fraction).quantize(Decimal("0.01")) + extra
        if amount <= 0:
            return
        applied = self.journal.run(lambda: self.loan.record_repayment(Money.of(amount), META))
        assert applied == (self.status == "DISBURSED" and amount <= room)
        if applied:
            self.repaid += amount
            self.status = "REPAID" if self.repaid == self.approved else "DISBURSED"

    @invariant()
    def amounts_stay_within_bounds(self) -> None:
        loan = self.loan
        approved = loan.approved if loan.approved is not None else Decimal(0)
        assert Decimal(0) <= loan.repaid <= loan.disbursed <= approved <= loan.requested
        assert (loan.approved, loan.disbursed, loan.repaid) == (
            self.approved, self.disbursed, self.repaid)
        outstanding = loan.disbursed - loan.repaid
        assert outstanding >= 0
        assert (loan.status == "REPAID") == (loan.approved is not None and outstanding == 0
                                             and loan.repaid == loan.approved)

    @invariant()
    def the_status_follows_the_machine(self) -> None:
        assert self.loan.status == self.status
        if self.loan.status in ("REQUESTED", "UNDER_REVIEW", "WITHDRAWN", "REJECTED"):
            assert self.loan.approved is None and self.loan.disbursed == 0

    @invariant()
    def replaying_the_events_gives_the_same_loan(self) -> None:
        self.journal.check_replay(("status", "requested", "approved", "disbursed", "repaid",
                                   "term_months"))


LoanMachine.TestCase.settings = MACHINE_SETTINGS
test_loans_keep_their_invariants = LoanMachine.TestCase
