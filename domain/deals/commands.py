"""Validated inputs of the deal commands (field names as in the API)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from domain.deals.agreements import KINDS
from domain.deals.money import MoneyInput
from domain.deals.orders import Line
from domain.deals.terms import Terms
from domain.validation import Command, IdempotencyKey, Name, ShortText, Text, Version

Kind = Literal[KINDS]  # type: ignore[valid-type]
Rate = Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=3)]


class ProposeAgreement(Command):
    kind: Kind
    title: Name
    corporate_id: UUID
    startup_id: UUID
    application_id: UUID | None = None
    terms: Terms
    idempotency_key: IdempotencyKey | None = None


class AmendAgreement(Command):
    id: UUID
    expected_version: Version | None = None
    terms: Terms


class SignAgreement(Command):
    id: UUID
    organisation_id: UUID
    revision: Annotated[int, Field(ge=1)]


class EntityCommand(Command):
    """A command on one stream, with an optional reason (AgreementCommandInput,
    OrderCommandInput, LoanCommandInput)."""

    id: UUID
    expected_version: Version | None = None
    reason: Text | None = None


class ReasonedCommand(EntityCommand):
    """The same, where a reason is required (terminations, refusals, defaults)."""

    reason: Text


class OrderLineInput(Command):
    description: Name
    quantity: Annotated[int, Field(ge=1, le=1_000_000)]
    unit_price: MoneyInput

    def line(self) -> Line:
        return Line(self.description, self.quantity, self.unit_price.money())


class IssueOrder(Command):
    corporate_id: UUID
    startup_id: UUID
    agreement_id: UUID | None = None
    reference: ShortText
    lines: Annotated[list[OrderLineInput], Field(min_length=1, max_length=100)]
    idempotency_key: IdempotencyKey | None = None


class AmountCommand(Command):
    """OrderAmountInput and LoanAmountInput."""

    id: UUID
    expected_version: Version | None = None
    amount: MoneyInput


class RequestLoan(Command):
    startup_id: UUID
    agreement_id: UUID
    amount: MoneyInput
    term_months: int
    purpose: Text
    idempotency_key: IdempotencyKey | None = None


class ApproveLoan(Command):
    id: UUID
    expected_version: Version | None = None
    amount: MoneyInput
    annual_rate_percent: Rate
    term_months: int
    deferral_months: int = 0
