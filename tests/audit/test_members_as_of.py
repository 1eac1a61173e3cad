"""Nested members are read as of the same moment as their organisation."""

from __future__ import annotations

from tests.support.api import Api

REGISTER = """mutation($i: RegisterStartupInput!) {
  registerStartup(input: $i) { startup { id } } }"""
ADD = """mutation($i: AddMemberInput!) { addMember(input: $i) { userErrors { code } } }"""
AT = """query($id: ID!, $v: Int) {
  startup(id: $id, atVersion: $v) { version members { userId } } }"""


async def test_a_startup_read_at_an_old_version_lists_the_members_of_that_version(api: Api) -> None:
    data = await api.data(REGISTER, {"i": {
        "name": "Qubitek", "siren": "732829320", "description": "Calcul quantique",
        "contactName": "Alice", "contactEmail": "alice@qubitek.fr"}}, as_user=("alice", "startup"))
    sid = data["registerStartup"]["startup"]["id"]
    await api.data(ADD, {"i": {"organisationId": sid, "userId": "bob", "displayName": "Bob",
                               "email": "bob@qubitek.fr"}}, as_user=("alice", "startup"))
    then = await api.data(AT, {"id": sid, "v": 1}, as_user=("alice", "startup"))
    now = await api.data(AT, {"id": sid, "v": None}, as_user=("alice", "startup"))
    assert then["startup"]["members"] == [{"userId": "alice"}]
    assert [m["userId"] for m in now["startup"]["members"]] == ["alice", "bob"]
