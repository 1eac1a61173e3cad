"""`ledger_commands` through the recorder, on real PostgreSQL: commands that
share a transaction keep their own outcomes, a refused one leaves nothing
behind, positions stay gapless and the chains verify."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from domain.organisations.aggregates import Startup
from infra.chain import StoredEntry, verify_ledger
from infra.eventstore import WriteSide
from infra.recorder import Command, LedgerRecorder
from tests.organisations.builders import META


def _startup(name: str, siren: str, user: str = "alice", contact: str | None = None) -> Startup:
    return Startup(name=name, siren=siren, description="Batteries", website=None, city="Lyon",
                   founded_year=2020, sectors=["Énergie"], technologies=["Batterie"],
                   admin_user_id=user, admin_contact=contact or f"pii:v1:{user}", meta=META)


def _stored(write: WriteSide, aggregate: Startup) -> list[StoredEvent]:
    return [write.ledger.mapper.to_stored_event(e) for e in aggregate.collect_events()]


def _recorder(write: WriteSide) -> LedgerRecorder:
    recorder = write.ledger.recorder
    assert isinstance(recorder, LedgerRecorder)
    return recorder


def _rows(url: str, query: str) -> list[Any]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def _entries(url: str) -> list[StoredEntry]:
    return [StoredEntry(*row) for row in _rows(url, (
        "SELECT notification_id, originator_id, originator_version, occurred_at, topic, state,"
        " hash, previous_hash, ledger_hash FROM ledger_events ORDER BY notification_id"))]


def test_commands_of_one_batch_keep_their_own_outcomes(write: WriteSide, database_url: str) -> None:
    recorder = _recorder(write)
    taken = _startup("Déjà", "732829320")
    recorder.insert_events(_stored(write, taken), claims=[("SIREN", "732829320", taken.id)],
                           idempotency=("alice:registerStartup", "key-1", taken.id))
    first, twin, keyed, stale = (_startup(n, s) for n, s in (
        ("Alpha", "552100554"), ("Jumelle", "552100554"), ("Clé", "443061841"),
        ("Rassis", "356000000")))
    # A second version 1 of a stream that has one: the stream moved on.
    stale_events = [StoredEvent(taken.id, e.originator_version, e.topic, e.state)
                    for e in _stored(write, stale)]
    commands = [
        Command(_stored(write, first), [("SIREN", "552100554", first.id)]),
        Command(_stored(write, twin), [("SIREN", "552100554", twin.id)]),  # claim taken just before
        Command(_stored(write, keyed), [("SIREN", "443061841", keyed.id)],
                ("alice:registerStartup", "key-1", keyed.id)),  # key taken
        Command(stale_events, [("SIREN", "356000000", stale.id)],
                ("alice:registerStartup", "key-2", stale.id)),  # version 1 exists
    ]
    outcomes = recorder._record_batch(commands)
    assert outcomes == [[2], None, None, None]
    # Nothing of the refused ones is left: no claim, no key, no entry.
    assert sorted(r[0] for r in _rows(database_url, "SELECT value FROM unique_claims")) == [
        "552100554", "732829320"]
    assert _rows(database_url, "SELECT key, position FROM idempotency_keys") == [("key-1", 1)]
    entries = _entries(database_url)
    assert [e.position for e in entries] == [1, 2]
    assert verify_ledger(entries).valid


def test_a_batch_records_many_commands_gapless_with_valid_chains(
    write: WriteSide, database_url: str
) -> None:
    recorder = _recorder(write)
    startups = [_startup(f"Startup {k}", f"{k:08d}0") for k in range(1, 9)]
    commands = [Command(_stored(write, s), (), ("bob:registerStartup", f"k{n}", s.id))
                for n, s in enumerate(startups)]
    assert recorder._record_batch(commands) == [[k] for k in range(1, 9)]
    keys = dict(_rows(database_url, "SELECT key, position FROM idempotency_keys"))
    assert keys == {f"k{n}": n + 1 for n in range(8)}
    entries = _entries(database_url)
    assert [(e.position, e.stream_id) for e in entries] == [
        (k, s.id) for k, s in enumerate(startups, 1)]
    assert verify_ledger(entries).valid


def test_a_command_refused_in_a_batch_is_refused_alone_as_before(write: WriteSide) -> None:
    from domain.errors import DuplicateClaimError

    recorder = _recorder(write)
    winner, loser = _startup("Gagnante", "552100554"), _startup("Perdante", "552100554")
    outcomes = recorder._record_batch([
        Command(_stored(write, winner), [("SIREN", "552100554", winner.id)]),
        Command(loser_events := _stored(write, loser), [("SIREN", "552100554", loser.id)])])
    assert outcomes == [[1], None]
    with pytest.raises(DuplicateClaimError):
        recorder.insert_events(loser_events, claims=[("SIREN", "552100554", loser.id)])
