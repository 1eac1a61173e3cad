"""The read models' pure `evolve`: folding an aggregate's own events gives the
row the API serves (and time travel folds the same way)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate

from domain.deals.agreements import Agreement
from domain.deals.loans import Loan
from domain.deals.orders import Line, PurchaseOrder
from projections.agreements import evolve_agreement
from projections.base import Evolve, Row
from projections.loans import evolve_loan
from projections.orders import evolve_order
from tests.deals.support import (
    CORPORATE,
    META,
    STARTUP,
    entries_of,
    eur,
    terms,
)


def fold(evolve: Evolve, aggregate: Aggregate, events: Sequence[Any]) -> Row | None:
    row: Row | None = None
    for entry in entries_of(aggregate, events):
        row = evolve(row, entry)
    return row


def test_the_agreement_row_shows_the_current_revision_and_its_signatures() -> None:
    agreement = Agreement.propose("PILOT", "Pilote", CORPORATE, STARTUP, None, terms(), META)
    agreement.sign(STARTUP, "alice", 1, META)
    agreement.amend(terms(duration_months=9), META)
    agreement.sign(CORPORATE, "carol", 2, META)
    row = fold(evolve_agreement, agreement, agreement.collect_events())
    assert row is not None
    assert (row["revision"], row["terms_hash"], row["status"]) == (
        2, agreement.terms_hash, "NEGOTIATING")
    assert [(s["organisation_id"], s["revision"]) for s in row["signatures"]] == [
        (str(CORPORATE), 2)]
    assert row["version"] == 4


def test_the_agreement_row_records_when_it_entered_into_force() -> None:
    agreement = Agreement.propose("PILOT", "Pilote", CORPORATE, STARTUP, None, terms(), META)
    agreement.sign(STARTUP, "alice", 1, META)
    agreement.sign(CORPORATE, "carol", 1, META)
    agreement.terminate("Fin du pilote", datetime.now(UTC), META)
    row = fold(evolve_agreement, agreement, agreement.collect_events())
    assert row is not None
    assert (row["status"], row["termination_reason"]) == ("TERMINATED", "Fin du pilote")
    assert row["in_force_at"] is not None


def test_the_agreement_row_of_an_expired_agreement_keeps_when_it_was_in_force() -> None:
    agreement = Agreement.propose("PILOT", "Pilote", CORPORATE, STARTUP, None, terms(), META)
    agreement.sign(STARTUP, "alice", 1, META)
    agreement.sign(CORPORATE, "carol", 1, META)
    agreement.expire(agreement.in_force_until(), META)
    row = fold(evolve_agreement, agreement, agreement.collect_events())
    assert row is not None
    assert (row["status"], row["termination_reason"], row["version"]) == ("EXPIRED", None, 5)
    assert row["in_force_at"] is not None


def test_the_order_row_keeps_running_decimal_totals() -> None:
    order = PurchaseOrder.issue(CORPORATE, STARTUP, None, "BC-9",
                                [Line("Module", 3, eur("0.10"))], META)
    order.accept(META)
    order.record_delivery(META)
    order.invoice(eur("0.20"), META)
    order.invoice(eur("0.10"), META)
    order.record_payment(eur("0.30"), META)
    row = fold(evolve_order, order, order.collect_events())
    assert row is not None
    assert (row["total"], row["invoiced"], row["paid"], row["status"]) == (
        Decimal("0.30"), Decimal("0.30"), Decimal("0.30"), "PAID")


def test_the_loan_row_keeps_its_decision_and_what_is_outstanding() -> None:
    loan = Loan.request(STARTUP, CORPORATE, eur("100000"), 84, "Déploiement", META)
    loan.start_review(META)
    loan.approve(eur("90000"), Decimal("3.5"), 96, 24, META)
    loan.disburse(eur("90000"), META)
    loan.record_repayment(eur("90000"), META)
    row = fold(evolve_loan, loan, loan.collect_events())
    assert row is not None
    assert (row["approved"], row["annual_rate_percent"], row["term_months"]) == (
        Decimal("90000.00"), Decimal("3.5"), 96)
    assert (row["disbursed"] - row["repaid"], row["status"]) == (0, "REPAID")


def test_another_stream_folds_to_no_row() -> None:
    order = PurchaseOrder.issue(CORPORATE, STARTUP, None, "BC-1", [Line("x", 1, eur("1"))], META)
    loan = Loan.request(STARTUP, CORPORATE, eur("100000"), 84, "Déploiement", META)
    order_events, loan_events = order.collect_events(), loan.collect_events()
    assert fold(evolve_agreement, order, order_events) is None
    assert fold(evolve_loan, order, order_events) is None
    assert fold(evolve_order, loan, loan_events) is None
