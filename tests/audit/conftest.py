"""Fixtures of the audit tests: organisations with a history, raw SQL access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from demo.organisations import siren_for
from tests.support.api import Api

REGISTER_STARTUP = """
mutation($i: RegisterStartupInput!) {
  registerStartup(input: $i) { startup { id } userErrors { code message } }
}"""
REGISTER_CORPORATE = """
mutation($i: RegisterCorporateInput!) {
  registerCorporate(input: $i) { corporate { id } userErrors { code message } }
}"""
UPDATE_STARTUP = """
mutation($i: UpdateStartupProfileInput!) {
  updateStartupProfile(input: $i) { startup { version } userErrors { code message } }
}"""
ADD_MEMBER = """
mutation($i: AddMemberInput!) {
  addMember(input: $i) { organisation { id } userErrors { code message } }
}"""
HISTORY = """
query($id: ID!) { startup(id: $id) { history(first: 100) { nodes {
  position version type occurredAt payload } } } }"""

OPERATOR = ("olga", "operator")
AUDITOR = ("audrey", "auditor")
ALICE = ("alice", "startup")


@dataclass
class Story:
    """A startup with five events: registered, three updates, one member added."""

    id: str
    history: list[dict[str, Any]]


async def register_startup(api: Api, name: str, seed: int, user: tuple[str, str] = ALICE,
                           contact: tuple[str, str] = ("Alice Martin", "alice@batterix.fr")) -> str:
    data = await api.data(REGISTER_STARTUP, {"i": {
        "name": name, "siren": siren_for(seed), "description": "Batteries sodium-ion",
        "city": "Grenoble", "contactName": contact[0], "contactEmail": contact[1]}},
        as_user=user)
    assert data["registerStartup"]["userErrors"] == []
    return str(data["registerStartup"]["startup"]["id"])


async def register_corporate(api: Api, name: str, seed: int) -> str:
    data = await api.data(REGISTER_CORPORATE, {"i": {
        "name": name, "siren": siren_for(seed), "description": "Énergie", "sector": "Énergie",
        "contactName": "Carla Dupont", "contactEmail": "carla@energeia.fr"}},
        as_user=("carla", "corporate"))
    assert data["registerCorporate"]["userErrors"] == []
    return str(data["registerCorporate"]["corporate"]["id"])


async def update_startup(api: Api, startup_id: str, **changes: Any) -> None:
    data = await api.data(UPDATE_STARTUP, {"i": {"id": startup_id, **changes}}, as_user=ALICE)
    assert data["updateStartupProfile"]["userErrors"] == []


async def add_member(api: Api, org_id: str, user_id: str, name: str, email: str) -> None:
    data = await api.data(ADD_MEMBER, {"i": {
        "organisationId": org_id, "userId": user_id, "displayName": name, "email": email}},
        as_user=ALICE)
    assert data["addMember"]["userErrors"] == []


async def history(api: Api, startup_id: str) -> list[dict[str, Any]]:
    data = await api.data(HISTORY, {"id": startup_id}, as_user=AUDITOR)
    nodes: list[dict[str, Any]] = data["startup"]["history"]["nodes"]
    return nodes


@pytest.fixture
async def story(api: Api) -> Story:
    startup_id = await register_startup(api, "Batterix", 1)
    await update_startup(api, startup_id, description="Batteries sodium-ion v2")
    await update_startup(api, startup_id, city="Lyon")
    await update_startup(api, startup_id, name="Batterix Énergie")
    await add_member(api, startup_id, "bruno", "Bruno Petit", "bruno@batterix.fr")
    return Story(startup_id, await history(api, startup_id))


def run_sql(database_url: str, statement: str, *params: Any) -> list[Any]:
    """Runs SQL behind the application's back, as a tamperer would."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        cur = conn.execute(statement, params or None)
        return cur.fetchall() if cur.description else []


@dataclass
class Ledger:
    """Startup S at positions 1-5 and 7; corporate C at 6 and 8."""

    startup_id: str
    corporate_id: str


@pytest.fixture
async def ledger(api: Api, story: Story) -> Ledger:
    corporate_id = await register_corporate(api, "Énergéia", 7)
    await update_startup(api, story.id, city="Paris")
    admitted = await api.data(
        "mutation($id: ID!) { admitToCommunity(corporateId: $id) { userErrors { code } } }",
        {"id": corporate_id}, as_user=OPERATOR)
    assert admitted["admitToCommunity"]["userErrors"] == []
    return Ledger(story.id, corporate_id)


# Tampering behind the application's back, and the position each one breaks.
TAMPERS = {
    "payload update": ("UPDATE ledger_events SET state = convert_to(replace("
                       "convert_from(state, 'UTF8'), 'Lyon', 'Paris'), 'UTF8')"
                       " WHERE notification_id = 3", 3),
    "row delete": ("DELETE FROM ledger_events WHERE notification_id = 4", 4),
    "positions swapped": (
        "UPDATE ledger_events SET notification_id = -2 WHERE notification_id = 2;"
        " UPDATE ledger_events SET notification_id = 2 WHERE notification_id = 6;"
        " UPDATE ledger_events SET notification_id = 6 WHERE notification_id = -2", 2),
    "hash edit": ("UPDATE ledger_events SET hash = sha256('forged'::bytea)"
                  " WHERE notification_id = 5", 5),
    "previous hash edit": ("UPDATE ledger_events SET previous_hash = sha256('forged'::bytea)"
                           " WHERE notification_id = 7", 7),
    "ledger hash edit": ("UPDATE ledger_events SET ledger_hash = sha256('forged'::bytea)"
                         " WHERE notification_id = 3", 3),
}
