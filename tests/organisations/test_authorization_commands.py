"""Over HTTP with real tokens, each kind of viewer may do exactly what
ARCHITECTURE.md says, and an invalid token is refused. One world per module:
every command here is refused, and so writes nothing (one test checks it)."""

from __future__ import annotations

import time
from typing import Any
from uuid import uuid4

import jwt
import pytest

from tests.organisations.documents import (
    ADD_MEMBER,
    ADMIT,
    GRANT_LABEL,
    LEDGER,
    REGISTER_STARTUP,
    UPDATE_STARTUP,
    World,
    codes,
    startup_input,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

ALICE, BOB, MALLORY = ("alice", "startup"), ("bob", "startup"), ("mallory", "startup")
CAROL, OPERATOR, AUDITOR = ("carol", "corporate"), ("op", "operator"), ("audrey", "auditor")


async def user_errors(world: World, document: str, variables: dict[str, Any],
                      as_user: Any) -> list[tuple[str, list[str]]]:
    data = await world.api.data(document, variables, as_user=as_user)
    [payload] = data.values()
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


def update(org: str, **fields: Any) -> dict[str, Any]:
    return {"i": {"id": org, "city": "Marseille", **fields}}


# ------------------------------------------------------------------ refused commands

async def test_a_visitor_registering_gets_a_top_level_unauthenticated(world: World) -> None:
    body = await world.api.gql(REGISTER_STARTUP, {"i": startup_input(90)})
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_a_visitor_updating_gets_a_top_level_unauthenticated(world: World) -> None:
    assert codes(await world.api.gql(UPDATE_STARTUP, update(world.startup))) == [
        "UNAUTHENTICATED"]


async def test_a_non_member_may_not_update_a_startup(world: World) -> None:
    assert await user_errors(world, UPDATE_STARTUP, update(world.startup), MALLORY) == [
        ("FORBIDDEN", [])]


@pytest.mark.parametrize("viewer", [OPERATOR, AUDITOR, CAROL],
                         ids=["operator", "auditor", "corporate"])
async def test_only_the_startups_members_may_update_it(world: World, viewer: Any) -> None:
    assert await user_errors(world, UPDATE_STARTUP, update(world.startup), viewer) == [
        ("FORBIDDEN", [])]


async def test_an_integrator_may_not_update_the_organisations_it_views(world: World) -> None:
    errors = await user_errors(world, UPDATE_STARTUP, update(world.startup), world.integrator)
    assert errors == [("FORBIDDEN", [])]


async def test_updating_an_unknown_startup_is_not_found(world: World) -> None:
    assert await user_errors(world, UPDATE_STARTUP, update(str(uuid4())), ALICE) == [
        ("NOT_FOUND", [])]


async def test_updating_a_corporate_as_if_it_were_a_startup_is_not_found(world: World) -> None:
    assert await user_errors(world, UPDATE_STARTUP, update(world.corporate), CAROL) == [
        ("NOT_FOUND", [])]


async def test_only_operators_grant_labels(world: World) -> None:
    variables = {"i": {"startupId": world.startup, "label": "NEXT40"}}
    assert await user_errors(world, GRANT_LABEL, variables, ALICE) == [("FORBIDDEN", [])]


async def test_granting_a_label_to_an_unknown_startup_is_not_found(world: World) -> None:
    variables = {"i": {"startupId": str(uuid4()), "label": "NEXT40"}}
    assert await user_errors(world, GRANT_LABEL, variables, OPERATOR) == [("NOT_FOUND", [])]


async def test_only_operators_admit_corporates_to_the_community(world: World) -> None:
    assert await user_errors(world, ADMIT, {"id": world.corporate}, CAROL) == [
        ("FORBIDDEN", [])]


async def test_a_plain_member_may_not_add_members(world: World) -> None:
    variables = {"i": {"organisationId": world.startup, "userId": "eve",
                       "displayName": "Eve", "email": "eve@example.fr"}}
    assert await user_errors(world, ADD_MEMBER, variables, BOB) == [("FORBIDDEN", [])]


async def test_an_admin_may_not_add_members_to_another_organisation(world: World) -> None:
    variables = {"i": {"organisationId": world.other_startup, "userId": "eve",
                       "displayName": "Eve", "email": "eve@example.fr"}}
    assert await user_errors(world, ADD_MEMBER, variables, ALICE) == [("FORBIDDEN", [])]


async def test_adding_someone_who_is_already_a_member_is_a_rule_violation(world: World) -> None:
    variables = {"i": {"organisationId": world.startup, "userId": "bob",
                       "displayName": "Bob", "email": "bob@example.fr"}}
    assert await user_errors(world, ADD_MEMBER, variables, ALICE) == [
        ("RULE_VIOLATION", ["input", "userId"])]


async def test_a_bad_siren_is_invalid_on_the_siren_field(world: World) -> None:
    variables = {"i": startup_input(91, siren="123456789")}
    assert await user_errors(world, REGISTER_STARTUP, variables, ("zoe", "startup")) == [
        ("INVALID", ["input", "siren"])]


async def test_a_siren_already_registered_is_a_rule_violation(world: World) -> None:
    variables = {"i": startup_input(1, name="Copycat")}
    assert await user_errors(world, REGISTER_STARTUP, variables, ("zoe", "startup")) == [
        ("RULE_VIOLATION", [])]


async def test_an_empty_update_is_a_rule_violation(world: World) -> None:
    variables = {"i": {"id": world.startup}}
    assert await user_errors(world, UPDATE_STARTUP, variables, ALICE) == [("RULE_VIOLATION", [])]


async def test_refused_commands_append_nothing_to_the_ledger(world: World) -> None:
    before = (await world.api.data(LEDGER, {}, as_user=AUDITOR))["ledger"]["totalCount"]
    await world.api.data(UPDATE_STARTUP, update(world.startup), as_user=MALLORY)
    await world.api.data(REGISTER_STARTUP, {"i": startup_input(1)}, as_user=("zoe", "startup"))
    after = (await world.api.data(LEDGER, {}, as_user=AUDITOR))["ledger"]["totalCount"]
    assert after == before == 4


# ------------------------------------------------------------------ tokens

async def test_an_invalid_token_is_refused_with_401_unauthenticated(world: World) -> None:
    response = await world.api.raw("{ viewer { role } }", token="not-a-jwt")
    assert response.status_code == 401
    assert codes(response.json()) == ["UNAUTHENTICATED"]


async def test_an_expired_token_is_refused_with_401(world: World, module_settings: Any) -> None:
    token = jwt.encode({"sub": "alice", "role": "startup", "exp": int(time.time()) - 3600},
                       module_settings.jwt_secret, algorithm="HS256")
    response = await world.api.raw("{ viewer { role } }", token=token)
    assert (response.status_code, codes(response.json())) == (401, ["UNAUTHENTICATED"])


async def test_a_token_signed_with_another_secret_is_refused_with_401(world: World) -> None:
    token = jwt.encode({"sub": "alice", "role": "operator", "exp": int(time.time()) + 60},
                       "some-other-secret-of-at-least-32-chars!", algorithm="HS256")
    assert (await world.api.raw("{ viewer { role } }", token=token)).status_code == 401


async def test_an_authorization_header_that_is_not_bearer_is_refused_with_401(
    world: World,
) -> None:
    response = await world.api.http.post("/graphql", json={"query": "{ viewer { role } }"},
                                         headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})
    assert response.status_code == 401
