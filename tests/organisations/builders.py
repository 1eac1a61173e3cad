"""Test data builders shared by the organisations, ledger and projections tests:
valid SIRENs, command contexts and commands, with every varying value passed in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.actors import Actor, CommandContext, Role
from domain.organisations import commands as c

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
# The metadata recorded with events built directly on aggregates.
META: dict[str, Any] = {"userId": "alice", "role": "STARTUP", "correlationId": "c-1"}


def luhn_check_digit(body: str) -> str:
    """The digit that makes `body + digit` pass the Luhn checksum (computed
    independently of domain.siren, so the two can check each other)."""
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def siren(n: int) -> str:
    """A valid SIREN for any number (its 8 last digits plus the check digit)."""
    body = f"{n:08d}"[-8:]
    return body + luhn_check_digit(body)


def ctx(user: str | None, role: Role, *, key: str | None = None,
        orgs: frozenset[Any] = frozenset()) -> CommandContext:
    """A command context for `user` acting with `role`."""
    return CommandContext(Actor(user, role, orgs), NOW, f"test-{user}", idempotency_key=key)


def register_startup(n: int, *, name: str | None = None, **fields: Any) -> c.RegisterStartup:
    values: dict[str, Any] = {
        "name": name or f"Startup {n}", "siren": siren(n), "description": f"Startup number {n}",
        "contact_name": f"Founder {n}", "contact_email": f"founder{n}@example.fr",
    }
    return c.RegisterStartup(**{**values, **fields})


def register_corporate(n: int, **fields: Any) -> c.RegisterCorporate:
    values: dict[str, Any] = {
        "name": f"Corporate {n}", "siren": siren(n), "description": f"Corporate number {n}",
        "contact_name": f"Head of innovation {n}", "contact_email": f"innovation{n}@example.fr",
    }
    return c.RegisterCorporate(**{**values, **fields})
