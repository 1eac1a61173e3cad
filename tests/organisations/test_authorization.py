"""Over HTTP with real tokens, each kind of viewer sees exactly what
ARCHITECTURE.md says: members lists, history, the ledger, the viewer. One
world per module (these tests only read); what each may do is in
test_authorization_commands.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.organisations.documents import (
    HISTORY,
    LEDGER,
    STARTUP,
    World,
    codes,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

ALICE, BOB, MALLORY = ("alice", "startup"), ("bob", "startup"), ("mallory", "startup")
CAROL, OPERATOR, AUDITOR = ("carol", "corporate"), ("op", "operator"), ("audrey", "auditor")


async def members(world: World, org: str, as_user: Any) -> list[str]:
    data = await world.api.data(STARTUP, {"id": org}, as_user=as_user)
    return [m["userId"] for m in data["startup"]["members"]]


async def history(world: World, org: str, as_user: Any) -> dict[str, Any]:
    return await world.api.gql(HISTORY, {"id": org}, as_user=as_user)


async def ledger_streams(world: World, as_user: Any) -> set[str]:
    data = await world.api.data(LEDGER, {"first": 100}, as_user=as_user)
    return {e["streamId"] for e in data["ledger"]["nodes"]}


# ------------------------------------------------------------------ members lists

async def test_a_visitor_sees_no_members(world: World) -> None:
    assert await members(world, world.startup, None) == []


async def test_a_member_sees_the_members_and_their_contact_details(world: World) -> None:
    data = await world.api.data(STARTUP, {"id": world.startup}, as_user=BOB)
    assert [(m["userId"], m["role"], m["email"]) for m in data["startup"]["members"]] == [
        ("alice", "ADMIN", "founder1@example.fr"), ("bob", "MEMBER", "bob@example.fr")]


async def test_a_non_member_sees_no_members(world: World) -> None:
    assert await members(world, world.startup, MALLORY) == []


@pytest.mark.parametrize("viewer", [OPERATOR, AUDITOR], ids=["operator", "auditor"])
async def test_operators_and_auditors_see_every_members_list(world: World, viewer: Any) -> None:
    assert await members(world, world.startup, viewer) == ["alice", "bob"]


async def test_an_integrator_sees_the_members_of_the_organisations_of_its_token(
    world: World,
) -> None:
    assert await members(world, world.startup, world.integrator) == ["alice", "bob"]


async def test_an_integrator_sees_no_members_of_other_organisations(world: World) -> None:
    assert await members(world, world.other_startup, world.integrator) == []


# ------------------------------------------------------------------ history

async def test_a_visitor_gets_no_history_but_a_top_level_forbidden(world: World) -> None:
    body = await history(world, world.startup, None)
    assert body["data"]["startup"]["history"] is None
    assert codes(body) == ["FORBIDDEN"]


async def test_a_member_reads_their_organisations_history(world: World) -> None:
    body = await history(world, world.startup, BOB)
    assert [n["type"] for n in body["data"]["startup"]["history"]["nodes"]] == [
        "StartupRegistered", "MemberAdded"]


async def test_a_non_member_gets_no_history_but_a_top_level_forbidden(world: World) -> None:
    body = await history(world, world.startup, MALLORY)
    assert (body["data"]["startup"]["history"], codes(body)) == (None, ["FORBIDDEN"])


@pytest.mark.parametrize("viewer", [OPERATOR, AUDITOR], ids=["operator", "auditor"])
async def test_operators_and_auditors_read_every_organisations_history(
    world: World, viewer: Any,
) -> None:
    body = await history(world, world.other_startup, viewer)
    assert body["data"]["startup"]["history"]["totalCount"] == 1


async def test_an_integrator_reads_the_history_of_the_organisations_of_its_token(
    world: World,
) -> None:
    body = await history(world, world.startup, world.integrator)
    assert body["data"]["startup"]["history"]["totalCount"] == 2


async def test_an_integrator_gets_forbidden_on_other_organisations_history(world: World) -> None:
    assert codes(await history(world, world.other_startup, world.integrator)) == ["FORBIDDEN"]


# ------------------------------------------------------------------ ledger

async def test_a_visitor_reads_an_empty_ledger(world: World) -> None:
    data = await world.api.data(LEDGER, {"first": 100})
    assert (data["ledger"]["totalCount"], data["ledger"]["nodes"]) == (0, [])


async def test_a_member_reads_only_the_ledger_entries_of_their_organisation(
    world: World,
) -> None:
    assert await ledger_streams(world, BOB) == {world.startup}


async def test_a_corporate_member_reads_only_their_corporates_entries(world: World) -> None:
    assert await ledger_streams(world, CAROL) == {world.corporate}


@pytest.mark.parametrize("viewer", [OPERATOR, AUDITOR], ids=["operator", "auditor"])
async def test_operators_and_auditors_read_the_whole_ledger(world: World, viewer: Any) -> None:
    assert await ledger_streams(world, viewer) == {
        world.startup, world.other_startup, world.corporate}


async def test_an_integrator_reads_the_entries_of_the_organisations_of_its_token(
    world: World,
) -> None:
    assert await ledger_streams(world, world.integrator) == {world.startup}


# ------------------------------------------------------------------ viewer

async def test_a_visitor_is_a_visitor_with_no_organisation(world: World) -> None:
    data = await world.api.data("{ viewer { userId role organisations { id } } }")
    assert data["viewer"] == {"userId": None, "role": "VISITOR", "organisations": []}


async def test_a_member_views_the_organisations_they_belong_to(world: World) -> None:
    data = await world.api.data("{ viewer { role organisations { id } } }", as_user=BOB)
    assert data["viewer"] == {"role": "STARTUP", "organisations": [{"id": world.startup}]}


async def test_an_integrator_views_the_organisations_of_its_token(world: World) -> None:
    data = await world.api.data("{ viewer { role organisations { id } } }",
                                as_user=world.integrator)
    assert data["viewer"] == {"role": "INTEGRATOR", "organisations": [{"id": world.startup}]}
