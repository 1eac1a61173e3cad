"""`node(id:)` for deal streams: the same visibility as the single-entity queries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from strawberry.types import Info

from schema.deals.access import both_parties, can_see, loan_parties
from schema.deals.agreement_types import Agreement
from schema.deals.loaders import load_row
from schema.deals.loan_types import Loan
from schema.deals.order_types import PurchaseOrder


async def agreement_node(info: Info[Any, Any], stream_id: UUID) -> Agreement | None:
    row = await load_row(info, "deals.agreement", stream_id)
    return Agreement.from_row(row) if row and await can_see(info, both_parties(row)) else None


async def order_node(info: Info[Any, Any], stream_id: UUID) -> PurchaseOrder | None:
    row = await load_row(info, "deals.order", stream_id)
    return PurchaseOrder.from_row(row) if row and await can_see(info, both_parties(row)) else None


async def loan_node(info: Info[Any, Any], stream_id: UUID) -> Loan | None:
    row = await load_row(info, "deals.loan", stream_id)
    return Loan.from_row(row) if row and await can_see(info, loan_parties(row)) else None
