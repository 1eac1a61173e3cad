"""Purchase orders under random command sequences: invoiced ≤ total,
paid ≤ invoiced, and the status machine ISSUED → ACCEPTED → DELIVERED →
INVOICED → PAID (REJECTED, CANCELLED before delivery)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.deals.money import Money
from domain.deals.orders import Line, PurchaseOrder
from tests.properties.support import MACHINE_SETTINGS, META, Journal, cents

NEXT = {  # command → (statuses it applies in, status after)
    "accept": ({"ISSUED"}, "ACCEPTED"),
    "reject": ({"ISSUED"}, "REJECTED"),
    "deliver": ({"ACCEPTED"}, "DELIVERED"),
    "cancel": ({"ISSUED", "ACCEPTED"}, "CANCELLED"),
}
currencies = st.sampled_from(["EUR", "EUR", "EUR", "USD"])


class OrderMachine(RuleBasedStateMachine):
    journal: Journal
    order: PurchaseOrder

    @initialize(lines=st.lists(st.tuples(st.integers(1, 5), cents("0.01", "5000")),
                               min_size=1, max_size=4))
    def issue(self, lines: list[tuple[int, Decimal]]) -> None:
        order = PurchaseOrder.issue(UUID(int=1), UUID(int=2), None, "BC-1", [
            Line(f"Line {i}", q, Money.of(p)) for i, (q, p) in enumerate(lines)], META)
        self.journal, self.order = Journal(order), order
        self.status = "ISSUED"
        self.total = sum((q * p for q, p in lines), Decimal(0))
        self.invoiced = self.paid = Decimal(0)

    def _transition(self, command: str) -> None:
        before = self.status
        applied = self.journal.run(lambda: getattr(self.order, {
            "accept": "accept", "reject": "reject", "deliver": "record_delivery",
            "cancel": "cancel"}[command])(*([None] if command in ("reject", "cancel") else []),
                                         META))
        allowed, after = NEXT[command]
        assert applied == (before in allowed), (command, before)
        if applied:
            self.status = after

    @rule(command=st.sampled_from(sorted(NEXT)))
    def transition(self, command: str) -> None:
        self._transition(command)

    @rule(fraction=st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal(1)]),
          extra=cents("0", "1"), currency=currencies)
    def invoice(self, fraction: Decimal, extra: Decimal, currency: str) -> None:
        amount = ((self.total - self.invoiced) * fraction).quantize(Decimal("0.01")) + extra
        if amount <= 0:
            return
        fits = self.invoiced + amount <= self.total
        applied = self.journal.run(lambda: self.order.invoice(Money.of(amount, currency), META))
        assert applied == (self.status in ("DELIVERED", "INVOICED") and currency == "EUR"
                           and fits)
        if applied:
            self.invoiced += amount
            self.status = "INVOICED"

    @rule(fraction=st.sampled_from([Decimal("0.5"), Decimal(1)]), extra=cents("0", "1"),
          currency=currencies)
    def pay(self, fraction: Decimal, extra: Decimal, currency: str) -> None:
        amount = ((self.invoiced - self.paid) * fraction).quantize(Decimal("0.01")) + extra
        if amount <= 0:
            return
        fits = self.paid + amount <= self.invoiced
        applied = self.journal.run(lambda: self.order.record_payment(Money.of(amount, currency),
                                                                     META))
        assert applied == (self.status == "INVOICED" and currency == "EUR" and fits)
        if applied:
            self.paid += amount
            self.status = "PAID" if self.paid == self.total else "INVOICED"

    @invariant()
    def amounts_stay_within_bounds(self) -> None:
        assert Decimal(0) <= self.order.paid <= self.order.invoiced <= self.order.total
        assert (self.order.total, self.order.invoiced, self.order.paid) == (
            self.total, self.invoiced, self.paid)

    @invariant()
    def the_status_follows_the_machine(self) -> None:
        assert self.order.status == self.status
        assert (self.order.status == "PAID") == (self.order.paid == self.order.total > 0)

    @invariant()
    def replaying_the_events_gives_the_same_order(self) -> None:
        self.journal.check_replay(("status", "total", "invoiced", "paid", "currency"))


OrderMachine.TestCase.settings = MACHINE_SETTINGS
test_purchase_orders_keep_their_invariants = OrderMachine.TestCase
