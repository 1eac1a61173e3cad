"""Deal lists hanging off organisations (Startup.agreements, Startup.loans,
Corporate.orders): the same visibility as the root lists, filtered to one
organisation. Called from schema/organisations/types.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from strawberry.types import Info

from projections.queries import agreements as agreements_q
from projections.queries import loans as loans_q
from projections.queries import orders as orders_q
from schema.common import Connection, connection
from schema.deals.access import visibility
from schema.deals.agreement_types import Agreement
from schema.deals.loan_types import Loan
from schema.deals.order_types import PurchaseOrder
from schema.deals.reading import page_of


async def startup_agreements(
    info: Info[Any, Any], startup_id: UUID, first: int | None, after: str | None
) -> Connection[Agreement]:
    seen = await visibility(info)
    flt = agreements_q.AgreementFilter(organisation_id=startup_id)
    page = await page_of(info, first, lambda conn, n: agreements_q.list_agreements(
        conn, n, after, seen, flt))
    result: Connection[Agreement] = connection(page, Agreement.from_row)
    return result


async def startup_loans(
    info: Info[Any, Any], startup_id: UUID, first: int | None, after: str | None
) -> Connection[Loan]:
    seen = await visibility(info)
    page = await page_of(info, first, lambda conn, n: loans_q.list_loans(
        conn, n, after, seen, startup_id, None))
    result: Connection[Loan] = connection(page, Loan.from_row)
    return result


async def corporate_orders(
    info: Info[Any, Any], corporate_id: UUID, first: int | None, after: str | None
) -> Connection[PurchaseOrder]:
    seen = await visibility(info)
    page = await page_of(info, first, lambda conn, n: orders_q.list_orders(
        conn, n, after, seen, corporate_id, None))
    result: Connection[PurchaseOrder] = connection(page, PurchaseOrder.from_row)
    return result
