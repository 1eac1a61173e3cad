"""Money as the contract spells it: a decimal amount and a currency.

One GraphQL type per name: the shared one belongs in schema/common.py. Until it
moves there, this slice uses the calls slice's (schema/calls/money.py), and
defines its own only when neither exists."""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import Any

import strawberry

from schema import common
from schema.common import Currency

SHARED_HOMES = ("schema.common", "schema.calls.money")


def _own_money() -> Any:
    @strawberry.type(name="Money")
    class Money:
        amount: Decimal
        currency: Currency

    return Money


def _shared_money() -> Any:
    for home in SHARED_HOMES:
        try:
            found = getattr(importlib.import_module(home), "Money", None)
        except ModuleNotFoundError:
            continue
        if found is not None:
            return found
    return None


Money: Any = getattr(common, "Money", None) or _shared_money() or _own_money()


def money(amount: Decimal, currency: str) -> Any:
    return Money(amount=amount, currency=Currency(currency))
