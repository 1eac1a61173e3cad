"""Validated inputs of the call and application commands (field names as in the API)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, field_validator

from domain.calls.rules import criteria_problem
from domain.validation import Command, IdempotencyKey, Name, ShortText, Tags, Text, Version

Weight = Annotated[int, Field(ge=1, le=100)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]
Currency = Literal["EUR", "USD", "GBP", "CHF"]


class CriterionInput(Command):
    name: ShortText
    weight: Weight


class MoneyInput(Command):
    amount: Amount
    currency: Currency = "EUR"

    def as_event(self) -> dict[str, str]:
        """Money in events: a decimal string and a currency, never a float."""
        return {"amount": str(self.amount), "currency": self.currency}


class DraftCall(Command):
    corporate_id: UUID
    title: Name
    challenge: Text
    sectors: Tags = Field(default_factory=list)
    technologies: Tags = Field(default_factory=list)
    criteria: Annotated[list[CriterionInput], Field(max_length=20)]
    budget: MoneyInput | None = None
    deadline: AwareDatetime
    idempotency_key: IdempotencyKey | None = None

    @field_validator("criteria")
    @classmethod
    def _publishable(cls, criteria: list[CriterionInput]) -> list[CriterionInput]:
        # Drafts cannot be edited, so criteria that could never be published are
        # refused here already, as bad input.
        problem = criteria_problem([(c.name, c.weight) for c in criteria])
        if problem:
            raise ValueError(problem)
        return criteria

    def criteria_as_event(self) -> list[dict[str, Any]]:
        return [{"name": c.name, "weight": c.weight} for c in self.criteria]


class CallCommand(Command):
    id: UUID
    expected_version: Version | None = None
    reason: Text | None = None


class ExtendDeadline(Command):
    id: UUID
    expected_version: Version | None = None
    deadline: AwareDatetime


class SubmitApplication(Command):
    call_id: UUID
    startup_id: UUID
    solution_id: UUID | None = None
    pitch: Text
    idempotency_key: IdempotencyKey | None = None


class ScoreApplication(Command):
    id: UUID
    criterion: ShortText
    value: Annotated[int, Field(ge=0, le=10)]


class ApplicationCommand(Command):
    id: UUID
    expected_version: Version | None = None
    reason: Text | None = None


class RejectApplication(ApplicationCommand):
    reason: Text  # a rejection always says why


