"""`verify` recomputes the hash chains from the stored rows alone: an UPDATE or
DELETE made directly in SQL is detected and its position reported."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests.organisations.documents import VERIFY, codes
from tests.support.api import Api

pytestmark = pytest.mark.asyncio(loop_scope="module")

AUDITOR = ("audrey", "auditor")
LEDGER_SIZE = 5


async def verify(api: Api, stream_id: str | None = None) -> dict[str, Any]:
    data = await api.data(VERIFY, {"id": stream_id}, as_user=AUDITOR)
    result: dict[str, Any] = data["verify"]
    return result


async def test_an_untouched_ledger_verifies_with_every_entry_checked(
    api: Api, sql: asyncpg.Connection,
) -> None:
    head = await sql.fetchval("SELECT ledger_hash FROM ledger_events WHERE notification_id = 5")
    assert await verify(api) == {"valid": True, "checkedEntries": LEDGER_SIZE,
                                 "headHash": bytes(head).hex(), "firstInvalidPosition": None,
                                 "message": "5 entries verified"}


async def test_an_untouched_stream_verifies_with_its_entries_checked(
    api: Api, recorded: dict[str, Any],
) -> None:
    result = await verify(api, recorded["a"])
    assert (result["valid"], result["checkedEntries"]) == (True, 3)


async def test_an_sql_update_of_one_events_state_is_reported_at_its_position(
    api: Api, sql: asyncpg.Connection,
) -> None:
    status = await sql.execute(
        "UPDATE ledger_events SET state = convert_to(replace(convert_from(state, 'UTF8'),"
        " 'Lyon', 'Paris'), 'UTF8') WHERE notification_id = 3 AND position('Lyon' in"
        " convert_from(state, 'UTF8')) > 0")
    assert status == "UPDATE 1"
    result = await verify(api)
    assert (result["valid"], result["firstInvalidPosition"]) == (False, 3)
    assert "hash does not match" in result["message"]


async def test_an_sql_update_of_one_events_state_is_reported_by_its_streams_verify(
    api: Api, sql: asyncpg.Connection, recorded: dict[str, Any],
) -> None:
    await sql.execute("UPDATE ledger_events SET state = state || '\\x20'::bytea"
                      " WHERE notification_id = 3")
    result = await verify(api, recorded["a"])
    assert (result["valid"], result["firstInvalidPosition"]) == (False, 3)


async def test_another_stream_still_verifies_when_one_stream_was_tampered_with(
    api: Api, sql: asyncpg.Connection, recorded: dict[str, Any],
) -> None:
    await sql.execute("UPDATE ledger_events SET state = state || '\\x20'::bytea"
                      " WHERE notification_id = 3")
    assert (await verify(api, recorded["b"]))["valid"] is True


async def test_a_deleted_entry_is_reported_at_its_missing_position(
    api: Api, sql: asyncpg.Connection,
) -> None:
    await sql.execute("DELETE FROM ledger_events WHERE notification_id = 3")
    result = await verify(api)
    assert (result["valid"], result["firstInvalidPosition"]) == (False, 3)
    assert "missing" in result["message"]


async def test_a_deleted_entry_breaks_its_streams_versions_at_the_next_entry(
    api: Api, sql: asyncpg.Connection, recorded: dict[str, Any],
) -> None:
    await sql.execute("DELETE FROM ledger_events WHERE notification_id = 3")
    result = await verify(api, recorded["a"])
    assert (result["valid"], result["firstInvalidPosition"]) == (False, 4)


async def test_deleting_the_first_entry_is_reported_at_position_one(
    api: Api, sql: asyncpg.Connection,
) -> None:
    await sql.execute("DELETE FROM ledger_events WHERE notification_id = 1")
    assert (await verify(api))["firstInvalidPosition"] == 1


async def test_an_edited_hash_column_is_reported_at_its_position(
    api: Api, sql: asyncpg.Connection,
) -> None:
    await sql.execute("UPDATE ledger_events SET hash = sha256(hash) WHERE notification_id = 2")
    assert (await verify(api))["firstInvalidPosition"] == 2


async def test_an_edited_ledger_hash_column_is_reported_at_its_position(
    api: Api, sql: asyncpg.Connection,
) -> None:
    await sql.execute("UPDATE ledger_events SET ledger_hash = sha256(ledger_hash)"
                      " WHERE notification_id = 4")
    assert (await verify(api))["firstInvalidPosition"] == 4


async def test_an_edited_previous_hash_is_reported_by_the_streams_verify(
    api: Api, sql: asyncpg.Connection, recorded: dict[str, Any],
) -> None:
    await sql.execute("UPDATE ledger_events SET previous_hash = sha256(previous_hash)"
                      " WHERE notification_id = 4")
    result = await verify(api, recorded["a"])
    assert (result["valid"], result["firstInvalidPosition"]) == (False, 4)


async def test_an_edited_time_is_reported_at_its_position(
    api: Api, sql: asyncpg.Connection,
) -> None:
    await sql.execute("UPDATE ledger_events SET occurred_at = occurred_at - interval '1 day'"
                      " WHERE notification_id = 2")
    assert (await verify(api))["firstInvalidPosition"] == 2


async def test_a_forged_state_with_its_own_hash_recomputed_breaks_the_chains_after_it(
    api: Api, sql: asyncpg.Connection, recorded: dict[str, Any],
) -> None:
    await sql.execute(
        "UPDATE ledger_events SET state = state || '\\x20'::bytea WHERE notification_id = 3;"
        "UPDATE ledger_events SET hash = sha256(coalesce(previous_hash, '\\x'::bytea)"
        " || ledger_entry_bytes(originator_id, originator_version, occurred_at, topic, state))"
        " WHERE notification_id = 3")
    assert (await verify(api))["firstInvalidPosition"] == 3  # its ledgerHash no longer chains
    assert (await verify(api, recorded["a"]))["firstInvalidPosition"] == 4  # nor previousHash


async def test_an_operator_may_verify_the_whole_ledger(api: Api, recorded: Any) -> None:
    data = await api.data(VERIFY, {"id": None}, as_user=("op", "operator"))
    assert data["verify"]["valid"] is True


async def test_a_member_may_verify_their_organisations_stream(
    api: Api, recorded: dict[str, Any],
) -> None:
    data = await api.data(VERIFY, {"id": recorded["a"]}, as_user=("alice", "startup"))
    assert data["verify"]["checkedEntries"] == 3


async def test_a_member_may_not_verify_the_whole_ledger(api: Api, recorded: Any) -> None:
    body = await api.gql(VERIFY, {"id": None}, as_user=("alice", "startup"))
    assert codes(body) == ["FORBIDDEN"]


async def test_a_non_member_may_not_verify_another_organisations_stream(
    api: Api, recorded: dict[str, Any],
) -> None:
    body = await api.gql(VERIFY, {"id": recorded["b"]}, as_user=("alice", "startup"))
    assert codes(body) == ["FORBIDDEN"]


async def test_a_visitor_may_not_verify(api: Api, recorded: Any) -> None:
    assert codes(await api.gql(VERIFY, {"id": None})) == ["FORBIDDEN"]
