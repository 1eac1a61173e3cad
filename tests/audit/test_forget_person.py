"""forgetPerson: who may call it, and what it erases (everything of that person, nothing else)."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

import pytest

from infra.audit_cli import export_bundle
from infra.bundle_check import check_bundle
from tests.audit.conftest import AUDITOR, OPERATOR, Story, history, run_sql
from tests.support.api import Api

FORGET = """
mutation($i: ForgetPersonInput!) {
  forgetPerson(input: $i) { erasedEntries userErrors { code field message } }
}"""
MEMBERS = "query($id: ID!) { startup(id: $id) { members { userId displayName email } } }"
PAST_MEMBERS = """query($id: ID!) { startup(id: $id, atVersion: 1) { name
  members { userId displayName email } } }"""
VERIFY = "{ verify { valid checkedEntries firstInvalidPosition message } }"


async def forget(api: Api, user_id: str, reason: str = "GDPR art. 17 request",
                 as_user: tuple[str, str] | None = OPERATOR) -> dict[str, Any]:
    body = await api.gql(FORGET, {"i": {"userId": user_id, "reason": reason}}, as_user=as_user)
    return body


async def test_a_visitor_is_refused_as_unauthenticated(api: Api, story: Story) -> None:
    body = await forget(api, "bruno", as_user=None)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("role", ["startup", "corporate", "auditor", "integrator"])
async def test_only_operators_may_forget_a_person(api: Api, story: Story, role: str) -> None:
    body = await forget(api, "bruno", as_user=("someone", role))
    assert body["data"]["forgetPerson"]["userErrors"][0]["code"] == "FORBIDDEN"
    members = await api.data(MEMBERS, {"id": story.id}, as_user=AUDITOR)
    assert {"userId": "bruno", "displayName": "Bruno Petit", "email": "bruno@batterix.fr"} in \
        members["startup"]["members"]


async def test_an_empty_reason_is_invalid(api: Api, story: Story) -> None:
    body = await forget(api, "bruno", reason="  ")
    errors = body["data"]["forgetPerson"]["userErrors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", ["input", "reason"])]


async def test_an_unknown_person_is_not_found(api: Api, story: Story) -> None:
    body = await forget(api, "nobody")
    assert body["data"]["forgetPerson"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_forgetting_twice_is_a_rule_violation(api: Api, story: Story) -> None:
    await forget(api, "bruno")
    body = await forget(api, "bruno")
    assert body["data"]["forgetPerson"]["userErrors"][0]["code"] == "RULE_VIOLATION"


async def test_it_counts_the_entries_holding_the_persons_data(api: Api, story: Story) -> None:
    body = await forget(api, "alice")
    assert body["data"]["forgetPerson"] == {"erasedEntries": 1, "userErrors": []}


async def test_members_read_as_null_once_forgotten(api: Api, story: Story) -> None:
    await forget(api, "bruno")
    members = (await api.data(MEMBERS, {"id": story.id}, as_user=AUDITOR))["startup"]["members"]
    assert members == [
        {"userId": "alice", "displayName": "Alice Martin", "email": "alice@batterix.fr"},
        {"userId": "bruno", "displayName": None, "email": None}]


async def test_history_payloads_read_as_null_once_forgotten(api: Api, story: Story) -> None:
    await forget(api, "alice")
    entries = await history(api, story.id)
    assert entries[0]["payload"]["adminContact"] is None
    assert entries[-1]["payload"]["contact"] == {
        "displayName": "Bruno Petit", "email": "bruno@batterix.fr"}


async def test_time_travel_reads_null_once_forgotten(api: Api, story: Story) -> None:
    await forget(api, "alice")
    data = await api.data(PAST_MEMBERS, {"id": story.id}, as_user=AUDITOR)
    assert {"userId": "alice", "displayName": None, "email": None} in data["startup"]["members"]


async def test_the_erasure_is_itself_a_ledger_entry(api: Api, story: Story) -> None:
    await forget(api, "bruno", reason="asked by email")
    data = await api.data('{ ledger(filter: {eventTypes: ["PersonForgotten"]}) { nodes {'
                          " streamType type payload actor { userId role } } } }", as_user=AUDITOR)
    assert data["ledger"]["nodes"] == [{
        "streamType": "Erasure", "type": "PersonForgotten",
        "payload": {"userId": "bruno", "reason": "asked by email", "erasedEntries": 1},
        "actor": {"userId": "olga", "role": "OPERATOR"}}]


async def test_the_chain_still_verifies_after_an_erasure(api: Api, story: Story) -> None:
    await forget(api, "alice")
    verdict = (await api.data(VERIFY, as_user=AUDITOR))["verify"]
    assert verdict["valid"] is True
    assert verdict["checkedEntries"] == len(story.history) + 1


async def test_nothing_else_changes(api: Api, story: Story, database_url: str) -> None:
    before = run_sql(database_url, "SELECT notification_id, state, hash, ledger_hash"
                     " FROM ledger_events ORDER BY notification_id")
    await forget(api, "alice")
    after = run_sql(database_url, "SELECT notification_id, state, hash, ledger_hash"
                    " FROM ledger_events ORDER BY notification_id")
    assert after[:len(before)] == before
    assert run_sql(database_url, "SELECT user_id FROM person_keys WHERE key IS NOT NULL") == \
        [("bruno",)]


async def test_plaintext_never_reaches_the_event_rows(api: Api, story: Story,
                                                      database_url: str) -> None:
    rows = run_sql(database_url, "SELECT convert_from(state, 'UTF8') FROM ledger_events")
    stored = " ".join(r[0] for r in rows)
    for secret in ("Alice Martin", "alice@batterix.fr", "Bruno Petit", "bruno@batterix.fr"):
        assert secret not in stored


async def test_the_key_is_gone_in_the_same_transaction_as_the_event(
    api: Api, story: Story, database_url: str
) -> None:
    await forget(api, "alice")
    rows = run_sql(database_url,
                   "SELECT k.key IS NULL, k.forgotten_at >= e.occurred_at"
                   " FROM person_keys k, ledger_events e"
                   " WHERE k.user_id = 'alice' AND e.event_type = 'PersonForgotten'")
    assert rows == [(True, True)]


async def test_exports_read_as_null_once_forgotten_and_still_verify(
    api: Api, story: Story, database_url: str
) -> None:
    await forget(api, "alice")
    bundle = export_bundle(database_url, UUID(story.id))
    registered = bundle["entries"][0]
    assert registered["payload"]["admin_contact"] is None
    assert b"pii:v1:" in base64.b64decode(registered["state"])  # the ciphertext stays, hashed
    assert bundle["entries"][-1]["payload"]["contact"]["displayName"] == "Bruno Petit"
    assert check_bundle(bundle).valid
