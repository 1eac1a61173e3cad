"""Purchase-order rules: given an order in some state, when a command runs,
then these events, or this error and nothing at all."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.deals.orders import Line, PurchaseOrder
from domain.errors import InvalidError, RuleViolationError
from tests.deals.support import CORPORATE, META, STARTUP, an_order, eur, events_of


def test_the_total_is_the_sum_of_quantity_times_unit_price() -> None:
    lines = [Line("Licence", 2, eur("1500.25")), Line("Formation", 3, eur("99.99"))]
    order = PurchaseOrder.issue(CORPORATE, STARTUP, None, "BC-1", lines, META)
    assert events_of(order) == ["OrderIssued"]
    assert (order.total, order.currency, order.status) == (Decimal("3300.47"), "EUR", "ISSUED")


def test_an_order_is_in_one_currency() -> None:
    lines = [Line("Licence", 1, eur("100")), Line("Support", 1, eur("100", "USD"))]
    with pytest.raises(InvalidError) as refused:
        PurchaseOrder.issue(CORPORATE, STARTUP, None, "BC-1", lines, META)
    assert refused.value.field == ("input", "lines", "1", "unitPrice", "currency")


@pytest.mark.parametrize(("quantity", "price"), [(0, "10"), (1, "0"), (-1, "10")])
def test_quantities_and_prices_are_positive(quantity: int, price: str) -> None:
    with pytest.raises(InvalidError):
        PurchaseOrder.issue(CORPORATE, STARTUP, None, "BC-1",
                            [Line("Licence", quantity, eur(price))], META)


def test_an_order_has_at_least_one_line() -> None:
    with pytest.raises(InvalidError):
        PurchaseOrder.issue(CORPORATE, STARTUP, None, "BC-1", [], META)


def test_the_flow_goes_issued_accepted_delivered_invoiced_paid() -> None:
    order = an_order()
    order.accept(META)
    order.record_delivery(META)
    order.invoice(eur("1000"), META)
    order.record_payment(eur("1000"), META)
    assert events_of(order) == ["OrderAccepted", "OrderDelivered", "OrderInvoiced",
                                "OrderPaymentRecorded"]
    assert (order.status, order.invoiced, order.paid) == ("PAID", 1000, 1000)


def test_a_partial_payment_leaves_the_order_invoiced() -> None:
    order = an_order("INVOICED")
    order.record_payment(eur("400"), META)
    assert (order.status, order.paid) == ("INVOICED", Decimal("400.00"))


def test_invoices_may_come_in_parts_up_to_the_total() -> None:
    order = an_order("DELIVERED")
    order.invoice(eur("600"), META)
    order.invoice(eur("400"), META)
    assert events_of(order) == ["OrderInvoiced", "OrderInvoiced"]
    assert order.invoiced == Decimal("1000.00")


def test_invoicing_more_than_the_total_is_refused() -> None:
    order = an_order("DELIVERED")
    with pytest.raises(RuleViolationError) as refused:
        order.invoice(eur("1000.01"), META)
    assert refused.value.field == ("input", "amount", "amount")
    assert events_of(order) == []


def test_paying_more_than_invoiced_is_refused() -> None:
    order = an_order("DELIVERED")
    order.invoice(eur("500"), META)
    order.collect_events()
    with pytest.raises(RuleViolationError):
        order.record_payment(eur("500.01"), META)
    assert events_of(order) == []


def test_an_amount_in_another_currency_is_refused() -> None:
    with pytest.raises(RuleViolationError) as refused:
        an_order("DELIVERED").invoice(eur("10", "GBP"), META)
    assert refused.value.field == ("input", "amount", "currency")


def test_nothing_is_delivered_before_it_is_accepted() -> None:
    with pytest.raises(RuleViolationError):
        an_order().record_delivery(META)


def test_nothing_is_invoiced_before_delivery() -> None:
    with pytest.raises(RuleViolationError):
        an_order("ACCEPTED").invoice(eur("10"), META)


def test_nothing_is_paid_before_an_invoice() -> None:
    with pytest.raises(RuleViolationError):
        an_order("DELIVERED").record_payment(eur("10"), META)


def test_only_an_issued_order_is_accepted_or_rejected() -> None:
    order = an_order("ACCEPTED")
    with pytest.raises(RuleViolationError):
        order.accept(META)
    with pytest.raises(RuleViolationError):
        order.reject("Trop tard", META)


def test_a_rejected_order_is_final() -> None:
    order = an_order()
    order.reject("Hors budget", META)
    assert (events_of(order), order.status) == (["OrderRejected"], "REJECTED")
    with pytest.raises(RuleViolationError):
        order.accept(META)


@pytest.mark.parametrize("status", ["ISSUED", "ACCEPTED"])
def test_an_order_is_cancelled_before_delivery(status: str) -> None:
    order = an_order(status)
    order.cancel("Besoin couvert", META)
    assert (events_of(order), order.status) == (["OrderCancelled"], "CANCELLED")


@pytest.mark.parametrize("status", ["DELIVERED", "INVOICED"])
def test_a_delivered_order_cannot_be_cancelled(status: str) -> None:
    with pytest.raises(RuleViolationError):
        an_order(status).cancel("Trop tard", META)
