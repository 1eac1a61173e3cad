"""Scale-up loans read model: one row per loan with its decision and running
disbursed and repaid totals (Decimal, EUR)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import asyncpg

from projections.base import Row, RowStore, fold_into
from projections.deals_store import ZERO, as_uuid, money_amount, stamp
from projections.entries import Entry

LOAN_COLUMNS = (
    "id", "startup_id", "agreement_id", "currency", "requested", "approved",
    "annual_rate_percent", "term_months", "deferral_months", "disbursed", "repaid", "status",
    "purpose", "decision_reason", "version", "created_position", "created_at", "updated_at",
)


def requested_row(entry: Entry) -> Row:
    d = entry.data
    return {
        "id": entry.stream_id, "startup_id": as_uuid(d["startup_id"]),
        "agreement_id": as_uuid(d["agreement_id"]), "currency": d["amount"]["currency"],
        "requested": money_amount(d["amount"]), "approved": None, "annual_rate_percent": None,
        "term_months": d["term_months"], "deferral_months": None, "disbursed": ZERO,
        "repaid": ZERO, "status": "REQUESTED", "purpose": d["purpose"],
        "decision_reason": None, "version": entry.version,
        "created_position": entry.position, "created_at": entry.occurred_at,
        "updated_at": entry.occurred_at,
    }


def approved_changes(d: dict[str, Any]) -> dict[str, Any]:
    return {"status": "APPROVED", "approved": money_amount(d["amount"]),
            "annual_rate_percent": Decimal(str(d["annual_rate_percent"])),
            "term_months": d["term_months"], "deferral_months": d["deferral_months"]}


def repaid_changes(row: Row, d: dict[str, Any]) -> dict[str, Any]:
    """REPAID once the whole approved amount is repaid (hence disbursed)."""
    repaid = row["repaid"] + money_amount(d["amount"])
    return {"repaid": repaid, "status": "REPAID" if repaid == row["approved"] else "DISBURSED"}


def changes_of(row: Row, entry: Entry) -> dict[str, Any]:
    """The columns an event after the request changes."""
    d = entry.data
    match entry.type:
        case "LoanReviewStarted":
            return {"status": "UNDER_REVIEW"}
        case "LoanApproved":
            return approved_changes(d)
        case "LoanRejected":
            return {"status": "REJECTED", "decision_reason": d.get("reason")}
        case "LoanDisbursed":
            disbursed = row["disbursed"] + money_amount(d["amount"])
            return {"status": "DISBURSED", "disbursed": disbursed}
        case "LoanRepaymentRecorded":
            return repaid_changes(row, d)
        case "LoanDefaulted":
            return {"status": "DEFAULTED", "decision_reason": d.get("reason")}
        case "LoanWithdrawn":
            return {"status": "WITHDRAWN"}
    return {}


def evolve_loan(row: Row | None, entry: Entry) -> Row | None:
    """Pure: the loan row after this entry (None for other streams)."""
    if entry.type == "LoanRequested":
        return requested_row(entry)
    if row is None:
        return None
    return stamp({**row, **changes_of(row, entry)}, entry.version, entry.occurred_at)


class LoansProjection:
    """Keeps `loans`."""

    name = "loans"
    # The stream types it folds: a rebuild of it alone reads only those.
    stream_types = frozenset({"Loan"})
    tables: tuple[str, ...] = ("loans",)

    def __init__(self) -> None:
        self.rows = RowStore("loans", ("id",), LOAN_COLUMNS)

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        mine = [e for e in entries if e.stream_type == "Loan"]
        await fold_into(conn, self.rows, mine, lambda e: (e.stream_id,), evolve_loan,
                        stream_rows=True)
