"""Audit bundles: exported from the database, checked offline; any edit of the
file is found, and a kept checkpoint exposes a consistent rewrite of history."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

import orjson
import pytest

from infra.audit_cli import export_bundle
from infra.bundle_check import BundleError, check_bundle
from infra.chain import EPOCH, StoredEntry, ledger_hash, stream_hash
from tests.audit.conftest import Ledger, run_sql
from tests.support.api import Api


@pytest.fixture
def bundle(ledger: Ledger, database_url: str) -> dict[str, Any]:
    return export_bundle(database_url, UUID(ledger.startup_id))


def first_fault(bundle: dict[str, Any]) -> tuple[int | None, str]:
    report = check_bundle(bundle)
    assert not report.valid
    return report.first_invalid_position, report.faults[0].message


def test_a_bundle_holds_the_streams_entries_and_the_head(bundle: dict[str, Any]) -> None:
    assert [e["position"] for e in bundle["entries"]] == [1, 2, 3, 4, 5, 7]
    assert bundle["streamType"] == "Startup"
    assert bundle["head"]["position"] == 8
    assert [link[0] for link in bundle["ledgerPath"]["links"]] == list(range(1, 9))
    first = bundle["entries"][0]
    assert first["payload"]["admin_contact"] == {
        "displayName": "Alice Martin", "email": "alice@batterix.fr"}
    assert first["previousLedgerHash"] == "00" * 32


def test_the_bundle_reveals_no_personal_data_when_asked(ledger: Ledger, database_url: str) -> None:
    bundle = export_bundle(database_url, UUID(ledger.startup_id), reveal=False)
    assert bundle["entries"][0]["payload"]["admin_contact"] is None
    assert check_bundle(bundle).valid


def test_an_edited_state_is_found(bundle: dict[str, Any]) -> None:
    entry = bundle["entries"][2]
    state = base64.b64decode(entry["state"]).replace(b"Lyon", b"Nice")
    entry["state"] = base64.b64encode(state).decode()
    assert first_fault(bundle) == (3, "hash does not match the entry's stored bytes")


def test_an_edited_payload_is_found(bundle: dict[str, Any]) -> None:
    bundle["entries"][2]["payload"]["changes"]["city"] = "Nice"
    assert first_fault(bundle) == (3, "payload or meta does not match the entry's stored bytes")


def test_a_removed_entry_is_found(bundle: dict[str, Any]) -> None:
    del bundle["entries"][3]
    position, message = first_fault(bundle)
    assert position == 5 and "expected version 4" in message


def test_reordered_entries_are_found(bundle: dict[str, Any]) -> None:
    entries = bundle["entries"]
    entries[1], entries[2] = entries[2], entries[1]
    assert first_fault(bundle)[0] == 2


def test_a_forged_head_is_found(bundle: dict[str, Any]) -> None:
    bundle["head"]["ledgerHash"] = "ab" * 32
    assert first_fault(bundle) == (8, "the ledger path does not end at the exported head")


def test_a_rehashed_entry_still_breaks_the_ledger_path(bundle: dict[str, Any]) -> None:
    """Recomputing the entry's own hashes does not help: the ledger path disagrees."""
    entry = bundle["entries"][-1]
    state = base64.b64decode(entry["state"]).replace(b"Paris", b"Nice")
    entry["state"] = base64.b64encode(state).decode()
    entry["payload"]["changes"]["city"] = "Nice"
    forged = stored(bundle["streamId"], entry)
    entry["hash"] = stream_hash(forged.previous_hash, forged).hex()
    entry["ledgerHash"] = ledger_hash(bytes.fromhex(entry["previousLedgerHash"]), 7,
                                      bytes.fromhex(entry["hash"])).hex()
    report = check_bundle(bundle)
    assert [str(f) for f in report.faults] == [
        "position 7: the entry is not the ledger path's entry there"]


def test_a_file_that_is_not_a_bundle_is_refused() -> None:
    with pytest.raises(BundleError):
        check_bundle({"format": "something else"})
    with pytest.raises(BundleError):
        check_bundle({"format": "passerelle.audit-bundle/1", "streamId": "x", "entries": []})


def stored(stream_id: str, entry: dict[str, Any]) -> StoredEntry:
    return StoredEntry(
        entry["position"], UUID(stream_id), entry["version"],
        EPOCH + timedelta(microseconds=entry["occurredAtMicros"]), entry["topic"],
        base64.b64decode(entry["state"]), bytes.fromhex(entry["hash"]),
        bytes.fromhex(entry["previousHash"]) if entry["previousHash"] else None,
        bytes.fromhex(entry["ledgerHash"]))


def rewrite_history(database_url: str, position: int, old: bytes, new: bytes) -> None:
    """A consistent rewrite: every hash from `position` on recomputed, as an
    attacker with full write access would do."""
    rows = run_sql(database_url, "SELECT notification_id, originator_id, originator_version,"
                   " occurred_at, topic, state, hash, previous_hash, ledger_hash"
                   " FROM ledger_events ORDER BY notification_id")
    last: dict[UUID, bytes] = {}
    prev_lh: bytes | None = None
    for row in rows:
        e = StoredEntry(*row)
        if e.position >= position:
            state = e.state.replace(old, new) if e.position == position else e.state
            e = replace(e, state=state, previous_hash=last.get(e.stream_id))
            e = replace(e, hash=stream_hash(e.previous_hash, e))
            e = replace(e, ledger_hash=ledger_hash(prev_lh, e.position, e.hash))
            run_sql(database_url, "UPDATE ledger_events SET state = %s, hash = %s,"
                    " previous_hash = %s, ledger_hash = %s WHERE notification_id = %s",
                    e.state, e.hash, e.previous_hash, e.ledger_hash, e.position)
        last[e.stream_id], prev_lh = e.hash, e.ledger_hash


async def test_a_kept_checkpoint_exposes_a_consistent_rewrite(
    api: Api, ledger: Ledger, database_url: str, bundle: dict[str, Any]
) -> None:
    kept = (bundle["head"]["position"], bytes.fromhex(bundle["head"]["ledgerHash"]))
    rewrite_history(database_url, 3, b"Lyon", b"Nice")
    rewritten = export_bundle(database_url, UUID(ledger.startup_id))
    assert check_bundle(rewritten).valid  # self-consistent: only an outside anchor tells
    report = check_bundle(rewritten, [kept])
    assert [str(f) for f in report.faults] == [
        "position 8: ledgerHash differs from the checkpoint: rewritten"]


def test_a_checkpoint_outside_the_path_is_reported(bundle: dict[str, Any]) -> None:
    report = check_bundle(bundle, [(99, bytes(32))])
    assert [str(f) for f in report.faults] == [
        "position 99: checkpoint not covered by the ledger path"]


def test_the_bundle_is_plain_json(bundle: dict[str, Any]) -> None:
    assert check_bundle(orjson.loads(orjson.dumps(bundle))).valid
