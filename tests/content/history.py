"""A scripted platform history for the key figures, with the figures worked
out by hand. Written as ledger entries (the event catalogue's types and fields),
so the stats projection can be fed them directly, or they can be appended to
the ledger as they are."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from projections.entries import Entry

T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)


def sid(name: str) -> UUID:
    """A stable stream id per name (C1: a corporate, S1: a startup, G1: an agreement...)."""
    return uuid5(NAMESPACE_URL, f"passerelle-test/{name}")


def eur(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def pair(corporate: str, startup: str) -> dict[str, str]:
    return {"corporate_id": str(sid(corporate)), "startup_id": str(sid(startup))}


# (day, stream, stream type, event type, data), in ledger order.
SCRIPT: list[tuple[int, str, str, str, dict[str, Any]]] = [
    *[(0, s, "Startup", "StartupRegistered", {"name": s}) for s in ("S1", "S2", "S3", "S4")],
    *[(0, c, "Corporate", "CorporateRegistered", {"name": c}) for c in ("C1", "C2", "C3")],
    (0, "K1", "Call", "CallDrafted", {"corporate_id": str(sid("C1"))}),
    (0, "K1", "Call", "CallPublished", {}),
    (1, "K2", "Call", "CallDrafted", {"corporate_id": str(sid("C2"))}),
    (1, "K2", "Call", "CallPublished", {}),
    (1, "K3", "Call", "CallDrafted", {"corporate_id": str(sid("C3"))}),
    (1, "R1", "Resource", "ResourcePublished", {"kind": "GUIDE", "title": "t", "body": "b",
                                                 "tags": []}),
    (2, "A1", "Application", "ApplicationSubmitted", pair("C1", "S1")),
    (3, "A2", "Application", "ApplicationSubmitted", pair("C1", "S2")),
    (4, "A3", "Application", "ApplicationSubmitted", pair("C2", "S3")),
    (5, "A5", "Application", "ApplicationSubmitted", pair("C3", "S4")),
    (6, "A4", "Application", "ApplicationSubmitted", pair("C1", "S1")),
    (7, "G3", "Agreement", "AgreementProposed", {"kind": "COMMERCIAL", **pair("C2", "S3")}),
    (8, "G1", "Agreement", "AgreementProposed", {"kind": "PILOT", **pair("C1", "S1")}),
    (9, "G3", "Agreement", "AgreementEnteredIntoForce", {}),
    (10, "G2", "Agreement", "AgreementProposed", {"kind": "PILOT", **pair("C1", "S2")}),
    (11, "G6", "Agreement", "AgreementProposed", {"kind": "PILOT", **pair("C2", "S4")}),
    (12, "G1", "Agreement", "AgreementEnteredIntoForce", {}),
    (13, "G6", "Agreement", "AgreementRejected", {"reason": "non"}),
    (14, "G5", "Agreement", "AgreementProposed", {"kind": "NDA", **pair("C1", "S1")}),
    (15, "G5", "Agreement", "AgreementEnteredIntoForce", {}),
    (16, "O3", "PurchaseOrder", "OrderIssued", {**pair("C2", "S3"), "total": eur("2000.00")}),
    (17, "O1", "PurchaseOrder", "OrderIssued", {**pair("C1", "S1"), "total": eur("1000.00")}),
    (20, "O5", "PurchaseOrder", "OrderIssued", {**pair("C1", "S2"), "total": eur("250.00")}),
    (20, "K2", "Call", "CallClosed", {}),
    (23, "G2", "Agreement", "AgreementEnteredIntoForce", {}),
    (25, "O2", "PurchaseOrder", "OrderIssued", {**pair("C1", "S1"), "total": eur("500.50")}),
    (28, "G4", "Agreement", "AgreementProposed", {"kind": "PILOT", **pair("C3", "S1")}),
    (30, "G4", "Agreement", "AgreementEnteredIntoForce", {}),
    (33, "L1", "Loan", "LoanRequested", {"startup_id": str(sid("S1")),
                                         "amount": eur("50000.00")}),
    (35, "L1", "Loan", "LoanDisbursed", {"amount": eur("50000.00")}),
    (40, "G3", "Agreement", "AgreementTerminated", {"reason": "fin"}),
    (45, "O4", "PurchaseOrder", "OrderIssued", {**pair("C3", "S1"),
                                                "total": eur("300.00", "USD")}),
    (48, "G7", "Agreement", "AgreementProposed", {"kind": "COMMERCIAL", **pair("C3", "S2")}),
    (50, "G7", "Agreement", "AgreementEnteredIntoForce", {}),
    (53, "L2", "Loan", "LoanRequested", {"startup_id": str(sid("S3")),
                                         "amount": eur("25000.00")}),
    (55, "L2", "Loan", "LoanDisbursed", {"amount": eur("25000.00")}),
    (62, "O6", "PurchaseOrder", "OrderIssued", {**pair("C3", "S2"),
                                                "total": eur("100.00", "GBP")}),
]

# Worked out by hand from SCRIPT (day numbers):
# - pairs with an application and a later first agreement in force:
#   C1-S1 2 -> 12 (10 days), C1-S2 3 -> 23 (20), C2-S3 4 -> 9 (5); C3-S4 has no
#   agreement, C3-S1 and C3-S2 no application: median of 5, 10, 20 = 10.
# - pairs with an agreement in force and a first order at or after it:
#   C1-S1 12 -> 17 (5), C2-S3 9 -> 16 (7), C3-S1 30 -> 45 (15), C3-S2 50 -> 62 (12);
#   C1-S2's first order (day 20) came before its agreement (23): left out.
#   Median of 5, 7, 12, 15 = (7 + 12) / 2 = 9.5.
# - pilots in force: G1 (C1-S1, last order 25 >= 12: followed), G2 (C1-S2,
#   last order 20 < 23: not), G4 (C3-S1, 45 >= 30: followed); G6 never in force.
#   2 of 3.
# - in force now: G1 G2 G4 G5 G7 (G3 terminated, G6 rejected) = 5.
# - orders: 6; EUR 2000 + 1000 + 250 + 500.50 = 3750.50; USD 300; GBP 100.
EXPECTED = {
    "startups": 4, "corporates": 3, "published_calls": 2, "open_calls": 1,
    "applications": 5, "agreements_in_force": 5, "orders_issued": 6,
    "orders_value": {"EUR": Decimal("3750.50"), "GBP": Decimal("100.00"),
                     "USD": Decimal("300.00")},
    "loans_disbursed": {"EUR": Decimal("75000.00")},
    "median_days_application_to_agreement": 10.0,
    "median_days_agreement_to_order": 9.5,
    "pilot_to_order_rate": 2 / 3,
}


def scripted_entries() -> list[Entry]:
    """SCRIPT as ledger entries: positions 1, 2, 3..., versions per stream."""
    versions: dict[str, int] = defaultdict(int)
    entries = []
    for position, (day, stream, stream_type, type_, data) in enumerate(SCRIPT, start=1):
        versions[stream] += 1
        entries.append(Entry(
            position=position, stream_id=sid(stream), version=versions[stream],
            stream_type=stream_type, type=type_, occurred_at=T0 + timedelta(days=day),
            data=data, meta={}, topic=f"tests.content.history:{stream_type}.{type_}",
            state=b"", hash=b"", previous_hash=None, ledger_hash=b""))
    return entries
