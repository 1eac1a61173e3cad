"""Purchase-order mutations: the corporate issues, pays and cancels; the
startup accepts, rejects, delivers and invoices."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from domain.deals import commands as c
from schema.deals.loaders import fresh_row
from schema.deals.money import MoneyInput
from schema.deals.order_types import PurchaseOrder
from schema.errors import UserError, execute, parse


@strawberry.input
class OrderLineInput:
    description: str
    quantity: int
    unit_price: MoneyInput


@strawberry.input
class IssueOrderInput:
    corporate_id: strawberry.ID
    startup_id: strawberry.ID
    agreement_id: strawberry.ID | None = None
    reference: str
    lines: list[OrderLineInput]
    idempotency_key: str | None = None


@strawberry.input
class OrderCommandInput:
    id: strawberry.ID
    expected_version: int | None = None
    reason: str | None = None


@strawberry.input
class OrderAmountInput:
    id: strawberry.ID
    expected_version: int | None = None
    amount: MoneyInput


@strawberry.type
class PurchaseOrderPayload:
    purchase_order: PurchaseOrder | None
    user_errors: list[UserError]


def _service(info: Info[Any, Any]) -> Any:
    return info.context.services.commands["orders"]


async def _run(info: Info[Any, Any], model: Any, raw: Any, call: Any) -> PurchaseOrderPayload:
    recorded, errors = await execute(info, lambda: parse(model, raw), call)
    row = await fresh_row(info, "deals.order", recorded.stream_id) if recorded else None
    order = PurchaseOrder.from_row(row) if row else None
    return PurchaseOrderPayload(purchase_order=order, user_errors=errors)


@strawberry.type
class OrderMutation:
    @strawberry.mutation
    async def issue_order(self, info: Info[Any, Any], input: IssueOrderInput) -> PurchaseOrderPayload:
        return await _run(info, c.IssueOrder, input, _service(info).issue)

    @strawberry.mutation
    async def accept_order(self, info: Info[Any, Any], input: OrderCommandInput) -> PurchaseOrderPayload:
        return await _run(info, c.EntityCommand, input, _service(info).accept)

    @strawberry.mutation
    async def reject_order(self, info: Info[Any, Any], input: OrderCommandInput) -> PurchaseOrderPayload:
        return await _run(info, c.EntityCommand, input, _service(info).reject)

    @strawberry.mutation
    async def record_delivery(self, info: Info[Any, Any], input: OrderCommandInput) -> PurchaseOrderPayload:
        return await _run(info, c.EntityCommand, input, _service(info).record_delivery)

    @strawberry.mutation
    async def invoice_order(self, info: Info[Any, Any], input: OrderAmountInput) -> PurchaseOrderPayload:
        return await _run(info, c.AmountCommand, input, _service(info).invoice)

    @strawberry.mutation
    async def record_payment(self, info: Info[Any, Any], input: OrderAmountInput) -> PurchaseOrderPayload:
        return await _run(info, c.AmountCommand, input, _service(info).record_payment)

    @strawberry.mutation
    async def cancel_order(self, info: Info[Any, Any], input: OrderCommandInput) -> PurchaseOrderPayload:
        return await _run(info, c.EntityCommand, input, _service(info).cancel)
