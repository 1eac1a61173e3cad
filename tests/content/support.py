"""GraphQL documents and helpers of the content end-to-end tests."""

from __future__ import annotations

from typing import Any

from tests.organisations.builders import siren
from tests.support.api import Api

ERRORS = "userErrors { code field message }"
OPERATOR = ("op", "operator")
AUDITOR = ("aud", "auditor")

REGISTER_STARTUP = """mutation($i: RegisterStartupInput!) {
  registerStartup(input: $i) { startup { id } userErrors { code message } } }"""
REGISTER_CORPORATE = """mutation($i: RegisterCorporateInput!) {
  registerCorporate(input: $i) { corporate { id } userErrors { code message } } }"""


def _organisation(n: int, name: str) -> dict[str, Any]:
    return {"name": name, "siren": siren(n), "description": f"{name}, organisation {n}",
            "contactName": f"Contact {n}", "contactEmail": f"contact{n}@example.fr"}


async def register_startup(api: Api, user: str, n: int, name: str = "Batterix") -> str:
    data = await api.data(REGISTER_STARTUP, {"i": _organisation(n, name)},
                          as_user=(user, "startup"))
    assert data["registerStartup"]["userErrors"] == []
    startup_id: str = data["registerStartup"]["startup"]["id"]
    return startup_id


async def register_corporate(api: Api, user: str, n: int, name: str = "Énergéia") -> str:
    data = await api.data(REGISTER_CORPORATE, {"i": _organisation(n, name)},
                          as_user=(user, "corporate"))
    assert data["registerCorporate"]["userErrors"] == []
    corporate_id: str = data["registerCorporate"]["corporate"]["id"]
    return corporate_id


async def mutate(api: Api, document: str, field: str, variables: dict[str, Any],
                 as_user: tuple[str, str] | None) -> dict[str, Any]:
    """The mutation's payload (no top-level error allowed)."""
    payload: dict[str, Any] = (await api.data(document, variables, as_user=as_user))[field]
    return payload


def codes(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]
