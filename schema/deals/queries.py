"""Query fields over agreements, purchase orders and loans. Whoever may not
see a deal gets null (single entity) or does not find it listed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from projections.agreements import evolve_agreement
from projections.loans import evolve_loan
from projections.orders import evolve_order
from projections.queries import agreements as agreements_q
from projections.queries import loans as loans_q
from projections.queries import orders as orders_q
from schema.common import Connection, connection
from schema.deals.access import both_parties, can_see, loan_parties, visibility
from schema.deals.agreement_types import Agreement, AgreementKind, AgreementStatus
from schema.deals.loan_types import Loan, LoanStatus
from schema.deals.order_types import PurchaseOrder, PurchaseOrderStatus
from schema.deals.reading import entity_row, page_of, parse_id


@strawberry.input
class AgreementFilter:
    status: AgreementStatus | None = None
    kind: AgreementKind | None = None
    organisation_id: strawberry.ID | None = None


def _agreement_filter(f: AgreementFilter | None) -> agreements_q.AgreementFilter:
    if f is None:
        return agreements_q.AgreementFilter()
    return agreements_q.AgreementFilter(
        f.status.value if f.status else None, f.kind.value if f.kind else None,
        parse_id(f.organisation_id))


@strawberry.type
class DealsQuery:
    @strawberry.field
    async def agreements(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None,
        filter: AgreementFilter | None = None,
    ) -> Connection[Agreement]:
        seen, flt = await visibility(info), _agreement_filter(filter)
        page = await page_of(info, first, lambda conn, n: agreements_q.list_agreements(
            conn, n, after, seen, flt))
        result: Connection[Agreement] = connection(page, Agreement.from_row)
        return result

    @strawberry.field
    async def agreement(
        self, info: Info[Any, Any], id: strawberry.ID, as_of: datetime | None = None,
        at_version: int | None = None,
    ) -> Agreement | None:
        row = await entity_row(info, "deals.agreement", evolve_agreement, id, as_of, at_version)
        if row is None or not await can_see(info, both_parties(row)):
            return None
        return Agreement.from_row(row)

    @strawberry.field
    async def purchase_orders(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None,
        organisation_id: strawberry.ID | None = None, status: PurchaseOrderStatus | None = None,
    ) -> Connection[PurchaseOrder]:
        seen, org = await visibility(info), parse_id(organisation_id)
        page = await page_of(info, first, lambda conn, n: orders_q.list_orders(
            conn, n, after, seen, org, status.value if status else None))
        result: Connection[PurchaseOrder] = connection(page, PurchaseOrder.from_row)
        return result

    @strawberry.field
    async def purchase_order(
        self, info: Info[Any, Any], id: strawberry.ID, as_of: datetime | None = None,
        at_version: int | None = None,
    ) -> PurchaseOrder | None:
        row = await entity_row(info, "deals.order", evolve_order, id, as_of, at_version)
        if row is None or not await can_see(info, both_parties(row)):
            return None
        return PurchaseOrder.from_row(row)

    @strawberry.field
    async def loans(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None,
        startup_id: strawberry.ID | None = None, status: LoanStatus | None = None,
    ) -> Connection[Loan]:
        seen, startup = await visibility(info), parse_id(startup_id)
        page = await page_of(info, first, lambda conn, n: loans_q.list_loans(
            conn, n, after, seen, startup, status.value if status else None))
        result: Connection[Loan] = connection(page, Loan.from_row)
        return result

    @strawberry.field
    async def loan(
        self, info: Info[Any, Any], id: strawberry.ID, as_of: datetime | None = None,
        at_version: int | None = None,
    ) -> Loan | None:
        row = await entity_row(info, "deals.loan", evolve_loan, id, as_of, at_version)
        if row is None or not await can_see(info, loan_parties(row)):
            return None
        return Loan.from_row(row)
