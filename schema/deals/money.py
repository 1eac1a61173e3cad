"""Money and MoneyInput as the contract spells them (a decimal amount and a
currency, never a float). One GraphQL type per name: the shared one from
schema/common.py once it is there, else the calls slice's, else our own."""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import Any

import strawberry

from schema.common import Currency

SHARED_MODULES = ("schema.common", "schema.calls.money")


def _shared(name: str) -> Any:
    for module_name in SHARED_MODULES:
        try:
            found = getattr(importlib.import_module(module_name), name, None)
        except ImportError:
            continue
        if found is not None:
            return found
    return None


def _own_money() -> Any:
    @strawberry.type(name="Money")
    class Money:
        amount: Decimal
        currency: Currency

    return Money


def _own_money_input() -> Any:
    @strawberry.input(name="MoneyInput")
    class MoneyInput:
        amount: Decimal
        currency: Currency = Currency.EUR

    return MoneyInput


Money: Any = _shared("Money") or _own_money()
MoneyInput: Any = _shared("MoneyInput") or _own_money_input()


def money(amount: Decimal, currency: str) -> Any:
    """A Money from a read-model amount and currency."""
    return Money(amount=amount, currency=Currency(currency))


def money_event(data: dict[str, Any]) -> Any:
    """A Money from an event's `{"amount": "...", "currency": ...}`."""
    return money(Decimal(str(data["amount"])), str(data["currency"]))
