"""GraphQL documents the end-to-end tests send, and helpers to send them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.organisations.builders import siren
from tests.support.api import Api

PAYLOAD = "userErrors { code field message }"
STARTUP_FIELDS = "id name version city labels members { userId role displayName email }"

REGISTER_STARTUP = f"""
mutation($i: RegisterStartupInput!) {{
  registerStartup(input: $i) {{ startup {{ {STARTUP_FIELDS} }} {PAYLOAD} }}
}}"""

REGISTER_CORPORATE = f"""
mutation($i: RegisterCorporateInput!) {{
  registerCorporate(input: $i) {{ corporate {{ id name version communityMember }} {PAYLOAD} }}
}}"""

UPDATE_STARTUP = f"""
mutation($i: UpdateStartupProfileInput!) {{
  updateStartupProfile(input: $i) {{ startup {{ {STARTUP_FIELDS} }} {PAYLOAD} }}
}}"""

UPDATE_CORPORATE = f"""
mutation($i: UpdateCorporateProfileInput!) {{
  updateCorporateProfile(input: $i) {{ corporate {{ id sector version }} {PAYLOAD} }}
}}"""

ADD_MEMBER = f"""
mutation($i: AddMemberInput!) {{
  addMember(input: $i) {{ organisation {{ id }} {PAYLOAD} }}
}}"""

GRANT_LABEL = f"""
mutation($i: LabelInput!) {{ grantLabel(input: $i) {{ startup {{ id labels }} {PAYLOAD} }} }}"""

REVOKE_LABEL = f"""
mutation($i: LabelInput!) {{ revokeLabel(input: $i) {{ startup {{ id labels }} {PAYLOAD} }} }}"""

ADMIT = f"""
mutation($id: ID!) {{
  admitToCommunity(corporateId: $id) {{ corporate {{ id communityMember }} {PAYLOAD} }}
}}"""

STARTUP = f"query($id: ID!) {{ startup(id: $id) {{ {STARTUP_FIELDS} }} }}"

HISTORY = """
query($id: ID!) { startup(id: $id) { history { totalCount nodes { position type version } } } }"""

LEDGER = """
query($after: Int, $first: Int) {
  ledger(after: $after, first: $first) {
    totalCount pageInfo { hasNextPage } nodes { position streamId type payload }
  }
}"""

VERIFY = """
query($id: ID) {
  verify(id: $id) { valid checkedEntries headHash firstInvalidPosition message }
}"""


def startup_input(n: int, **fields: Any) -> dict[str, Any]:
    return {"name": f"Startup {n}", "siren": siren(n), "description": f"Startup number {n}",
            "contactName": f"Founder {n}", "contactEmail": f"founder{n}@example.fr", **fields}


def corporate_input(n: int, **fields: Any) -> dict[str, Any]:
    return {"name": f"Corporate {n}", "siren": siren(n), "description": f"Corporate {n}",
            "contactName": f"Innovation {n}", "contactEmail": f"innovation{n}@example.fr",
            **fields}


async def register_startup(api: Api, n: int, user: str, **fields: Any) -> dict[str, Any]:
    """Registers a startup as `user`; returns the startup as the payload shows it."""
    data = await api.data(REGISTER_STARTUP, {"i": startup_input(n, **fields)},
                          as_user=(user, "startup"))
    assert data["registerStartup"]["userErrors"] == []
    startup: dict[str, Any] = data["registerStartup"]["startup"]
    return startup


async def register_corporate(api: Api, n: int, user: str) -> dict[str, Any]:
    data = await api.data(REGISTER_CORPORATE, {"i": corporate_input(n)},
                          as_user=(user, "corporate"))
    assert data["registerCorporate"]["userErrors"] == []
    corporate: dict[str, Any] = data["registerCorporate"]["corporate"]
    return corporate


def codes(body: dict[str, Any]) -> list[str]:
    """The codes of a response's top-level errors."""
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


@dataclass(frozen=True)
class World:
    """Organisations recorded once for a whole test module, and who is who."""

    api: Api
    startup: str  # A: alice ADMIN, bob MEMBER
    other_startup: str  # M: mallory ADMIN
    corporate: str  # C: carol ADMIN

    @property
    def integrator(self) -> tuple[str, str, list[str]]:
        """An integrator whose token grants the view of startup A."""
        return ("bot", "integrator", [self.startup])
