"""Scale-up loan mutations: startup members request and withdraw; OPERATOR
reviews, decides, disburses and records repayments and defaults."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from domain.deals import commands as c
from schema.deals.loaders import fresh_row
from schema.deals.loan_types import Loan
from schema.deals.money import MoneyInput
from schema.errors import UserError, execute, parse


@strawberry.input
class RequestLoanInput:
    startup_id: strawberry.ID
    agreement_id: strawberry.ID
    amount: MoneyInput
    term_months: int
    purpose: str
    idempotency_key: str | None = None


@strawberry.input
class ApproveLoanInput:
    id: strawberry.ID
    expected_version: int | None = None
    amount: MoneyInput
    annual_rate_percent: Decimal
    term_months: int
    deferral_months: int = 0


@strawberry.input
class LoanCommandInput:
    id: strawberry.ID
    expected_version: int | None = None
    reason: str | None = None


@strawberry.input
class LoanAmountInput:
    id: strawberry.ID
    expected_version: int | None = None
    amount: MoneyInput


@strawberry.type
class LoanPayload:
    loan: Loan | None
    user_errors: list[UserError]


def _service(info: Info[Any, Any]) -> Any:
    return info.context.services.commands["loans"]


async def _run(info: Info[Any, Any], model: Any, raw: Any, call: Any) -> LoanPayload:
    recorded, errors = await execute(info, lambda: parse(model, raw), call)
    row = await fresh_row(info, "deals.loan", recorded.stream_id) if recorded else None
    return LoanPayload(loan=Loan.from_row(row) if row else None, user_errors=errors)


@strawberry.type
class LoanMutation:
    @strawberry.mutation
    async def request_loan(self, info: Info[Any, Any], input: RequestLoanInput) -> LoanPayload:
        return await _run(info, c.RequestLoan, input, _service(info).request)

    @strawberry.mutation(description="The borrowing startup's members, before a decision.")
    async def withdraw_loan(self, info: Info[Any, Any], input: LoanCommandInput) -> LoanPayload:
        return await _run(info, c.EntityCommand, input, _service(info).withdraw)

    @strawberry.mutation(description="OPERATOR only.")
    async def start_loan_review(self, info: Info[Any, Any], input: LoanCommandInput) -> LoanPayload:
        return await _run(info, c.EntityCommand, input, _service(info).start_review)

    @strawberry.mutation(description="OPERATOR only.")
    async def approve_loan(self, info: Info[Any, Any], input: ApproveLoanInput) -> LoanPayload:
        return await _run(info, c.ApproveLoan, input, _service(info).approve)

    @strawberry.mutation(description="OPERATOR only; a reason is required.")
    async def reject_loan(self, info: Info[Any, Any], input: LoanCommandInput) -> LoanPayload:
        return await _run(info, c.ReasonedCommand, input, _service(info).reject)

    @strawberry.mutation(description="OPERATOR only.")
    async def disburse_loan(self, info: Info[Any, Any], input: LoanAmountInput) -> LoanPayload:
        return await _run(info, c.AmountCommand, input, _service(info).disburse)

    @strawberry.mutation(description="OPERATOR only.")
    async def record_repayment(self, info: Info[Any, Any], input: LoanAmountInput) -> LoanPayload:
        return await _run(info, c.AmountCommand, input, _service(info).record_repayment)

    @strawberry.mutation(description="OPERATOR only; a reason is required.")
    async def flag_loan_default(self, info: Info[Any, Any], input: LoanCommandInput) -> LoanPayload:
        return await _run(info, c.ReasonedCommand, input, _service(info).flag_default)
