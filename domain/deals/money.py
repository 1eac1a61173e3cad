"""Money as the deals slice handles it: a Decimal amount with two decimals and
a currency code. Never a float: events carry the amount as a decimal string."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from domain.errors import RuleViolationError
from domain.validation import Command

CENT = Decimal("0.01")
CURRENCIES = ("EUR", "USD", "GBP", "CHF")
CurrencyCode = Literal["EUR", "USD", "GBP", "CHF"]


def cents(value: Decimal) -> Decimal:
    """Exactly two decimals, so equal amounts have one canonical spelling."""
    return value.quantize(CENT)


@dataclass(frozen=True)
class Money:
    """An amount in one currency."""

    amount: Decimal
    currency: str

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(cents(Decimal(0)), currency)

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str = "EUR") -> Money:
        return cls(cents(Decimal(amount)), currency)

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> Money:
        return cls(cents(Decimal(str(data["amount"]))), str(data["currency"]))

    def to_event(self) -> dict[str, str]:
        """`{"amount": "1200.00", "currency": "EUR"}`: the form stored in events."""
        return {"amount": f"{cents(self.amount):f}", "currency": self.currency}

    def require_currency(self, currency: str, field: tuple[str, ...]) -> None:
        if self.currency != currency:
            raise RuleViolationError(
                f"Amounts here are in {currency}, not {self.currency}", (*field, "currency")
            )

    def __add__(self, other: Money) -> Money:
        assert other.currency == self.currency, "add amounts of one currency only"
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        assert other.currency == self.currency, "subtract amounts of one currency only"
        return Money(self.amount - other.amount, self.currency)


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("The amount must be positive")
    return cents(value)


PositiveAmount = Annotated[
    Decimal, Field(max_digits=18, decimal_places=2), AfterValidator(_positive)
]


class MoneyInput(Command):
    """A positive amount with at most two decimals, in one of the four currencies."""

    amount: PositiveAmount
    currency: CurrencyCode = "EUR"

    def money(self) -> Money:
        return Money(self.amount, self.currency)
