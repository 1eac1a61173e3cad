"""Scale-up loan types, built from read-model rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from schema.common import Node, Versioned
from schema.deals.agreement_types import Agreement
from schema.deals.loaders import load_row
from schema.deals.money import Money, money
from schema.organisations.types import Startup


@strawberry.enum
class LoanStatus(Enum):
    REQUESTED = "REQUESTED"
    UNDER_REVIEW = "UNDER_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    DISBURSED = "DISBURSED"
    REPAID = "REPAID"
    DEFAULTED = "DEFAULTED"
    WITHDRAWN = "WITHDRAWN"


@strawberry.type(description="Status: REQUESTED → UNDER_REVIEW → APPROVED or REJECTED → DISBURSED (after the first disbursement) → REPAID (when repaid equals the approved amount and all of it was disbursed) or DEFAULTED; WITHDRAWN before approval. Repayments may start before the whole amount is disbursed.")
class Loan(Node, Versioned):
    id: strawberry.ID
    version: int
    created_at: datetime
    updated_at: datetime
    requested: Money
    approved: Money | None
    annual_rate_percent: Decimal | None = strawberry.field(description="Annual rate in percent, e.g. 3.5.")
    term_months: int
    deferral_months: int | None
    disbursed: Money
    repaid: Money
    outstanding: Money = strawberry.field(description="Disbursed minus repaid.")
    status: LoanStatus
    purpose: str
    decision_reason: str | None = strawberry.field(description="Why the loan was rejected or flagged in default.")
    row: strawberry.Private[Any]

    @strawberry.field
    async def startup(self, info: Info[Any, Any]) -> Startup:
        return Startup.from_row(await info.context.loaders.organisation.load(self.row["startup_id"]))

    @strawberry.field(description="The in-force pilot or commercial agreement with a corporate that the loan scales up.")
    async def agreement(self, info: Info[Any, Any]) -> Agreement:
        # Whoever sees the loan sees the agreement: the borrower is a party,
        # operators see it without terms, auditors see everything.
        return Agreement.from_row(await load_row(info, "deals.agreement", self.row["agreement_id"]))

    @classmethod
    def from_row(cls, row: Any) -> Loan:
        c = row["currency"]
        approved = row["approved"]
        return cls(
            id=strawberry.ID(str(row["id"])), version=row["version"],
            created_at=row["created_at"], updated_at=row["updated_at"],
            requested=money(row["requested"], c),
            approved=money(approved, c) if approved is not None else None,
            annual_rate_percent=row["annual_rate_percent"], term_months=row["term_months"],
            deferral_months=row["deferral_months"], disbursed=money(row["disbursed"], c),
            repaid=money(row["repaid"], c), outstanding=money(row["disbursed"] - row["repaid"], c),
            status=LoanStatus(row["status"]), purpose=row["purpose"],
            decision_reason=row["decision_reason"], row=row,
        )
