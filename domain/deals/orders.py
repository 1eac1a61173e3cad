"""The PurchaseOrder aggregate: a corporate buys from a startup.
ISSUED → ACCEPTED (or REJECTED) → DELIVERED → INVOICED → PAID; CANCELLED
before delivery. Invoiced never exceeds the total, paid never the invoiced."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.deals.money import Money, cents
from domain.errors import InvalidError, RuleViolationError

Meta = dict[str, Any]

ISSUED, ACCEPTED, REJECTED, DELIVERED = "ISSUED", "ACCEPTED", "REJECTED", "DELIVERED"
INVOICED, PAID, CANCELLED = "INVOICED", "PAID", "CANCELLED"
AMOUNT_FIELD = ("input", "amount")


@dataclass(frozen=True)
class Line:
    """One order line: quantity times unit price."""

    description: str
    quantity: int
    unit_price: Money

    def to_event(self) -> dict[str, Any]:
        return {"description": self.description, "quantity": self.quantity,
                "unit_price": self.unit_price.to_event()}


def total_of(lines: list[Line]) -> Money:
    """Σ quantity times unit price; all lines in the first line's currency."""
    if not lines:
        raise InvalidError("An order has at least one line", ("input", "lines"))
    currency = lines[0].unit_price.currency
    total = Decimal(0)
    for i, line in enumerate(lines):
        if line.unit_price.currency != currency:
            raise InvalidError(f"Every line is in {currency}: one order, one currency",
                               ("input", "lines", str(i), "unitPrice", "currency"))
        if line.quantity <= 0 or line.unit_price.amount <= 0:
            raise InvalidError("Quantities and prices are positive", ("input", "lines", str(i)))
        total += line.quantity * line.unit_price.amount
    return Money(cents(total), currency)


class PurchaseOrder(Aggregate):
    """An order between one corporate (buyer) and one startup (supplier)."""

    if TYPE_CHECKING:  # assigned by the events below
        corporate_id: str
        startup_id: str
        agreement_id: str | None
        reference: str
        currency: str
        total: Decimal
        invoiced: Decimal
        paid: Decimal
        status: str

    @classmethod
    def issue(
        cls, corporate_id: UUID, startup_id: UUID, agreement_id: UUID | None, reference: str,
        lines: list[Line], meta: Meta,
    ) -> PurchaseOrder:
        total = total_of(lines)
        return cls(
            corporate_id=str(corporate_id), startup_id=str(startup_id),
            agreement_id=str(agreement_id) if agreement_id else None, reference=reference,
            lines=[line.to_event() for line in lines], total=total.to_event(), meta=meta,
        )

    @event("OrderIssued")
    def __init__(
        self, corporate_id: str, startup_id: str, agreement_id: str | None, reference: str,
        lines: list[dict[str, Any]], total: dict[str, str], meta: Meta,
    ) -> None:
        self.corporate_id = corporate_id
        self.startup_id = startup_id
        self.agreement_id = agreement_id
        self.reference = reference
        self.currency = total["currency"]
        self.total = Decimal(total["amount"])
        self.invoiced = Decimal(0)
        self.paid = Decimal(0)
        self.status = ISSUED

    @property
    def parties(self) -> frozenset[UUID]:
        return frozenset({UUID(self.corporate_id), UUID(self.startup_id)})

    def _require(self, *statuses: str, doing: str) -> None:
        if self.status not in statuses:
            raise RuleViolationError(f"An order that is {self.status} cannot be {doing}")

    def accept(self, meta: Meta) -> None:
        self._require(ISSUED, doing="accepted")
        self._accepted(meta=meta)

    @event("OrderAccepted")
    def _accepted(self, meta: Meta) -> None:
        self.status = ACCEPTED

    def reject(self, reason: str | None, meta: Meta) -> None:
        self._require(ISSUED, doing="rejected")
        self._rejected(reason=reason, meta=meta)

    @event("OrderRejected")
    def _rejected(self, reason: str | None, meta: Meta) -> None:
        self.status = REJECTED

    def record_delivery(self, meta: Meta) -> None:
        self._require(ACCEPTED, doing="delivered")
        self._delivered(meta=meta)

    @event("OrderDelivered")
    def _delivered(self, meta: Meta) -> None:
        self.status = DELIVERED

    def invoice(self, amount: Money, meta: Meta) -> None:
        """Invoices part or all of the total, never more."""
        self._require(DELIVERED, INVOICED, doing="invoiced")
        amount.require_currency(self.currency, AMOUNT_FIELD)
        if self.invoiced + amount.amount > self.total:
            raise RuleViolationError(
                f"Invoicing {amount.amount} would exceed the total {self.total} "
                f"({self.invoiced} already invoiced)", (*AMOUNT_FIELD, "amount"))
        self._invoiced(amount=amount.to_event(), meta=meta)

    @event("OrderInvoiced")
    def _invoiced(self, amount: dict[str, str], meta: Meta) -> None:
        self.invoiced += Decimal(amount["amount"])
        self.status = INVOICED

    def record_payment(self, amount: Money, meta: Meta) -> None:
        """Pays part or all of what was invoiced, never more; PAID at the total."""
        self._require(INVOICED, doing="paid")
        amount.require_currency(self.currency, AMOUNT_FIELD)
        if self.paid + amount.amount > self.invoiced:
            raise RuleViolationError(
                f"Paying {amount.amount} would exceed the invoiced {self.invoiced} "
                f"({self.paid} already paid)", (*AMOUNT_FIELD, "amount"))
        self._payment_recorded(amount=amount.to_event(), meta=meta)

    @event("OrderPaymentRecorded")
    def _payment_recorded(self, amount: dict[str, str], meta: Meta) -> None:
        self.paid += Decimal(amount["amount"])
        self.status = status_after_payment(self.paid, self.total)

    def cancel(self, reason: str | None, meta: Meta) -> None:
        self._require(ISSUED, ACCEPTED, doing="cancelled (only before delivery)")
        self._cancelled(reason=reason, meta=meta)

    @event("OrderCancelled")
    def _cancelled(self, reason: str | None, meta: Meta) -> None:
        self.status = CANCELLED


def status_after_payment(paid: Decimal, total: Decimal) -> str:
    """PAID once the whole total is paid; INVOICED until then."""
    return PAID if paid == total else INVOICED
