"""A first end-to-end path: register a startup and read it back."""

from __future__ import annotations

from tests.support.api import Api

REGISTER = """
mutation($i: RegisterStartupInput!) {
  registerStartup(input: $i) {
    startup { id name version members { userId displayName email } }
    userErrors { code field message }
  }
}"""


async def test_a_registered_startup_is_readable_at_once(api: Api) -> None:
    data = await api.data(REGISTER, {"i": {
        "name": "Batterix", "siren": "732829320", "description": "Batteries sodium-ion",
        "contactName": "Alice Martin", "contactEmail": "alice@batterix.fr"}},
        as_user=("alice", "startup"))
    startup = data["registerStartup"]["startup"]
    assert data["registerStartup"]["userErrors"] == []
    assert startup["members"] == [
        {"userId": "alice", "displayName": "Alice Martin", "email": "alice@batterix.fr"}]
    listed = await api.data("{ startups { totalCount nodes { id } } }")
    assert listed["startups"] == {"totalCount": 1, "nodes": [{"id": startup["id"]}]}
