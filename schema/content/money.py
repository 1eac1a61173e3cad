"""Money values for this slice's types (the GraphQL type is schema.common.Money)."""

from __future__ import annotations

from decimal import Decimal

from schema.common import Currency, Money


def money(amount: Decimal, currency: str) -> Money:
    return Money(amount=amount, currency=Currency(currency))
