"""Organisation mutations over HTTP that succeed: their effects, read your
writes, expectedVersion and idempotency keys. A fresh database per test."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.organisations.documents import (
    ADD_MEMBER,
    ADMIT,
    GRANT_LABEL,
    LEDGER,
    REGISTER_STARTUP,
    REVOKE_LABEL,
    STARTUP,
    UPDATE_STARTUP,
    register_corporate,
    register_startup,
    startup_input,
)
from tests.support.api import Api

ALICE, OPERATOR, AUDITOR = ("alice", "startup"), ("op", "operator"), ("audrey", "auditor")


@pytest.fixture
async def startup(api: Api) -> dict[str, Any]:
    """Given startup 1, registered by alice (version 1)."""
    return await register_startup(api, 1, "alice")


async def ledger_size(api: Api) -> int:
    return int((await api.data(LEDGER, {}, as_user=AUDITOR))["ledger"]["totalCount"])


async def test_the_registering_user_is_listed_as_the_admin_member(
    startup: dict[str, Any],
) -> None:
    assert startup["members"] == [{"userId": "alice", "role": "ADMIN",
                                   "displayName": "Founder 1", "email": "founder1@example.fr"}]


async def test_a_members_update_is_seen_by_any_client_as_soon_as_it_returns(
    api: Api, startup: dict[str, Any],
) -> None:
    updated = await api.data(UPDATE_STARTUP, {"i": {"id": startup["id"], "city": "Lyon"}},
                             as_user=ALICE)
    assert updated["updateStartupProfile"]["startup"]["version"] == 2
    seen = await api.data(STARTUP, {"id": startup["id"]})
    assert (seen["startup"]["city"], seen["startup"]["version"]) == ("Lyon", 2)


async def test_an_update_at_the_current_expected_version_applies(
    api: Api, startup: dict[str, Any],
) -> None:
    data = await api.data(UPDATE_STARTUP, {"i": {"id": startup["id"], "expectedVersion": 1,
                                                 "name": "Renamed"}}, as_user=ALICE)
    assert data["updateStartupProfile"]["startup"]["name"] == "Renamed"


async def test_an_update_at_a_stale_expected_version_is_a_conflict_and_changes_nothing(
    api: Api, startup: dict[str, Any],
) -> None:
    await api.data(UPDATE_STARTUP, {"i": {"id": startup["id"], "city": "Lyon"}}, as_user=ALICE)
    data = await api.data(UPDATE_STARTUP, {"i": {"id": startup["id"], "expectedVersion": 1,
                                                 "city": "Paris"}}, as_user=ALICE)
    payload = data["updateStartupProfile"]
    assert payload["startup"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("CONFLICT", ["input", "expectedVersion"])]
    assert (await api.data(STARTUP, {"id": startup["id"]}))["startup"]["city"] == "Lyon"


async def test_of_ten_concurrent_updates_at_one_expected_version_exactly_one_wins(
    api: Api, startup: dict[str, Any],
) -> None:
    bodies = await asyncio.gather(*(api.data(UPDATE_STARTUP, {"i": {
        "id": startup["id"], "expectedVersion": 1, "name": f"Name {i}"}}, as_user=ALICE)
        for i in range(10)))
    outcomes = sorted(
        b["updateStartupProfile"]["userErrors"][0]["code"]
        if b["updateStartupProfile"]["userErrors"] else "OK" for b in bodies)
    assert outcomes == ["CONFLICT"] * 9 + ["OK"]
    assert await ledger_size(api) == 2


async def test_a_retry_with_the_same_idempotency_key_returns_the_first_startup(
    api: Api,
) -> None:
    variables = {"i": startup_input(5, idempotencyKey="register-5")}
    first = await api.data(REGISTER_STARTUP, variables, as_user=ALICE)
    again = await api.data(REGISTER_STARTUP, variables, as_user=ALICE)
    assert again["registerStartup"] == first["registerStartup"]
    assert await ledger_size(api) == 1


async def test_concurrent_retries_with_one_idempotency_key_register_once(api: Api) -> None:
    variables = {"i": startup_input(6, idempotencyKey="register-6")}
    bodies = await asyncio.gather(*(api.data(REGISTER_STARTUP, variables, as_user=ALICE)
                                    for _ in range(5)))
    assert len({b["registerStartup"]["startup"]["id"] for b in bodies}) == 1
    assert await ledger_size(api) == 1


async def test_an_operator_grants_then_revokes_a_label(
    api: Api, startup: dict[str, Any],
) -> None:
    label = {"i": {"startupId": startup["id"], "label": "DEEPTECH"}}
    granted = await api.data(GRANT_LABEL, label, as_user=OPERATOR)
    assert granted["grantLabel"]["startup"]["labels"] == ["DEEPTECH"]
    revoked = await api.data(REVOKE_LABEL, label, as_user=OPERATOR)
    assert revoked["revokeLabel"]["startup"]["labels"] == []


async def test_granting_a_label_twice_is_a_rule_violation_on_the_label(
    api: Api, startup: dict[str, Any],
) -> None:
    label = {"i": {"startupId": startup["id"], "label": "DEEPTECH"}}
    await api.data(GRANT_LABEL, label, as_user=OPERATOR)
    again = await api.data(GRANT_LABEL, label, as_user=OPERATOR)
    assert [(e["code"], e["field"]) for e in again["grantLabel"]["userErrors"]] == [
        ("RULE_VIOLATION", ["input", "label"])]


async def test_an_operator_admits_a_corporate_to_the_community_once(api: Api) -> None:
    corporate = await register_corporate(api, 9, "carol")
    admitted = await api.data(ADMIT, {"id": corporate["id"]}, as_user=OPERATOR)
    assert admitted["admitToCommunity"]["corporate"]["communityMember"] is True
    again = await api.data(ADMIT, {"id": corporate["id"]}, as_user=OPERATOR)
    assert [e["code"] for e in again["admitToCommunity"]["userErrors"]] == ["RULE_VIOLATION"]


async def test_a_member_added_by_the_admin_may_update_the_startup_at_once(
    api: Api, startup: dict[str, Any],
) -> None:
    added = await api.data(ADD_MEMBER, {"i": {
        "organisationId": startup["id"], "userId": "bob", "displayName": "Bob",
        "email": "bob@example.fr"}}, as_user=ALICE)
    assert added["addMember"]["userErrors"] == []
    data = await api.data(UPDATE_STARTUP, {"i": {"id": startup["id"], "city": "Nantes"}},
                          as_user=("bob", "startup"))
    assert data["updateStartupProfile"]["userErrors"] == []


async def test_an_added_admin_may_add_members_in_turn(
    api: Api, startup: dict[str, Any],
) -> None:
    def member(user: str, role: str) -> dict[str, Any]:
        return {"i": {"organisationId": startup["id"], "userId": user, "role": role,
                      "displayName": user, "email": f"{user}@example.fr"}}

    await api.data(ADD_MEMBER, member("bob", "ADMIN"), as_user=ALICE)
    data = await api.data(ADD_MEMBER, member("eve", "MEMBER"), as_user=("bob", "startup"))
    assert data["addMember"]["userErrors"] == []
