"""Purchase order types, built from read-model rows."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from schema.common import Node, Versioned
from schema.deals.access import both_parties, can_see
from schema.deals.agreement_types import Agreement
from schema.deals.loaders import load_row
from schema.deals.money import Money, money, money_event
from schema.organisations.types import Corporate, Startup


@strawberry.enum
class PurchaseOrderStatus(Enum):
    ISSUED = "ISSUED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    DELIVERED = "DELIVERED"
    INVOICED = "INVOICED"
    PAID = "PAID"
    CANCELLED = "CANCELLED"


@strawberry.type
class OrderLine:
    description: str
    quantity: int
    unit_price: Money

    @classmethod
    def from_json(cls, line: dict[str, Any]) -> OrderLine:
        return cls(description=line["description"], quantity=line["quantity"],
                   unit_price=money_event(line["unit_price"]))


@strawberry.type(description="Status: ISSUED → ACCEPTED (or REJECTED) → DELIVERED → INVOICED (after the first invoice) → PAID (when paid equals the total); CANCELLED before delivery.")
class PurchaseOrder(Node, Versioned):
    id: strawberry.ID
    version: int
    created_at: datetime
    updated_at: datetime
    reference: str
    lines: list[OrderLine]
    total: Money
    invoiced: Money
    paid: Money
    status: PurchaseOrderStatus
    reason: str | None = strawberry.field(description="Why the startup rejected it or the corporate cancelled it.")
    row: strawberry.Private[Any]

    @strawberry.field
    async def corporate(self, info: Info[Any, Any]) -> Corporate:
        return Corporate.from_row(await info.context.loaders.organisation.load(self.row["corporate_id"]))

    @strawberry.field
    async def startup(self, info: Info[Any, Any]) -> Startup:
        return Startup.from_row(await info.context.loaders.organisation.load(self.row["startup_id"]))

    @strawberry.field
    async def agreement(self, info: Info[Any, Any]) -> Agreement | None:
        agreement_id = self.row["agreement_id"]
        row = await load_row(info, "deals.agreement", agreement_id) if agreement_id else None
        if row is None or not await can_see(info, both_parties(row)):
            return None
        return Agreement.from_row(row)

    @classmethod
    def from_row(cls, row: Any) -> PurchaseOrder:
        currency = row["currency"]
        return cls(
            id=strawberry.ID(str(row["id"])), version=row["version"],
            created_at=row["created_at"], updated_at=row["updated_at"],
            reference=row["reference"], lines=[OrderLine.from_json(x) for x in row["lines"]],
            total=money(row["total"], currency), invoiced=money(row["invoiced"], currency),
            paid=money(row["paid"], currency), status=PurchaseOrderStatus(row["status"]),
            reason=row["reason"], row=row,
        )
