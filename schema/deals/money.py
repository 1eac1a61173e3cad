"""Money values for the deal types (the GraphQL types are schema.common's
Money and MoneyInput, shared by every slice)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from schema.common import Currency, Money, MoneyInput

__all__ = ["Money", "MoneyInput", "money", "money_event"]


def money(amount: Decimal, currency: str) -> Money:
    """A Money from a read-model amount and currency."""
    return Money(amount=amount, currency=Currency(currency))


def money_event(data: dict[str, Any]) -> Money:
    """A Money from an event's `{"amount": "...", "currency": ...}`."""
    return money(Decimal(str(data["amount"])), str(data["currency"]))
