"""infra/chain.py: the hash chains' exact bytes, and the checks `verify` runs,
on entries built in memory."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

from infra.chain import (
    ZERO,
    LedgerChecker,
    RawLedgerChecker,
    StoredEntry,
    entry_bytes,
    ledger_hash,
    micros,
    stream_hash,
    verify_ledger,
    verify_stream,
)

A = UUID("00112233-4455-6677-8899-aabbccddeeff")
B = UUID("ffeeddcc-bbaa-9988-7766-554433221100")
T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def build(streams: list[UUID], topic: str = "m:S.E") -> list[StoredEntry]:
    """A valid ledger: entry k belongs to streams[k]; both chains computed."""
    entries: list[StoredEntry] = []
    heads: dict[UUID, tuple[int, bytes | None]] = {}
    previous_ledger: bytes | None = None
    for position, stream in enumerate(streams, start=1):
        version, previous = heads.get(stream, (0, None))
        draft = StoredEntry(position, stream, version + 1, T0 + timedelta(seconds=position),
                            topic, b'{"n":%d}' % position, b"", previous, b"")
        h = stream_hash(previous, draft)
        previous_ledger = ledger_hash(previous_ledger, position, h)
        entries.append(dataclasses.replace(draft, hash=h, ledger_hash=previous_ledger))
        heads[stream] = (version + 1, h)
    return entries


def test_entry_bytes_are_id_version_micros_topic_length_topic_and_state() -> None:
    e = StoredEntry(1, A, 2, T0, "m:É", b"{}", b"", None, b"")
    assert entry_bytes(e) == (
        bytes.fromhex("00112233445566778899aabbccddeeff") + (2).to_bytes(8, "big")
        + (1714564800123456).to_bytes(8, "big") + (4).to_bytes(4, "big")
        + "m:É".encode() + b"{}")


def test_the_topic_length_counts_utf8_bytes_not_characters() -> None:
    e = StoredEntry(1, A, 1, T0, "É", b"", b"", None, b"")
    assert entry_bytes(e)[32:36] == (2).to_bytes(4, "big")


def test_micros_count_microseconds_since_the_epoch_whatever_the_time_zone() -> None:
    paris = T0.astimezone(timezone(timedelta(hours=2)))
    assert micros(paris) == micros(T0) == 1714564800123456


def test_a_streams_first_hash_chains_from_32_zero_bytes() -> None:
    e = StoredEntry(1, A, 1, T0, "m:S.E", b"{}", b"", None, b"")
    assert stream_hash(None, e) == hashlib.sha256(ZERO + entry_bytes(e)).digest()


def test_a_later_hash_chains_from_the_previous_hash() -> None:
    e = StoredEntry(2, A, 2, T0, "m:S.E", b"{}", b"", b"p" * 32, b"")
    assert stream_hash(b"p" * 32, e) == hashlib.sha256(b"p" * 32 + entry_bytes(e)).digest()


def test_the_ledger_hash_covers_the_previous_ledger_hash_the_position_and_the_hash() -> None:
    assert ledger_hash(b"l" * 32, 7, b"h" * 32) == hashlib.sha256(
        b"l" * 32 + (7).to_bytes(8, "big") + b"h" * 32).digest()
    assert ledger_hash(None, 1, b"h" * 32) == ledger_hash(ZERO, 1, b"h" * 32)


def test_a_well_formed_ledger_verifies_and_reports_its_head() -> None:
    entries = build([A, B, A, A, B])
    verdict = verify_ledger(entries)
    assert (verdict.valid, verdict.checked, verdict.head_hash) == (True, 5, entries[-1].ledger_hash)


def test_an_empty_ledger_verifies_with_nothing_checked() -> None:
    verdict = verify_ledger([])
    assert (verdict.valid, verdict.checked, verdict.head_hash) == (True, 0, None)


def test_a_changed_state_is_reported_at_its_position() -> None:
    entries = build([A, B, A])
    entries[1] = dataclasses.replace(entries[1], state=b'{"n":0}')
    verdict = verify_ledger(entries)
    assert (verdict.valid, verdict.first_invalid_position, verdict.checked) == (False, 2, 1)


def test_a_missing_position_is_reported() -> None:
    entries = build([A, B, A])
    verdict = verify_ledger([entries[0], entries[2]])
    assert verdict.first_invalid_position == 2
    assert "missing" in verdict.message


def test_a_recomputed_hash_still_breaks_the_ledger_chain() -> None:
    entries = build([A, B])
    forged = dataclasses.replace(entries[1], state=b"{}")
    entries[1] = dataclasses.replace(forged, hash=stream_hash(forged.previous_hash, forged))
    verdict = verify_ledger(entries)
    assert verdict.first_invalid_position == 2
    assert "ledgerHash" in verdict.message


def test_checking_can_resume_from_a_known_position_and_head() -> None:
    entries = build([A, B, A, B])
    assert verify_ledger(entries[2:], start_position=3, start_hash=entries[1].ledger_hash).valid


def test_resuming_from_a_wrong_head_is_reported() -> None:
    entries = build([A, B, A, B])
    verdict = verify_ledger(entries[2:], start_position=3, start_hash=ZERO)
    assert verdict.first_invalid_position == 3


def test_a_checker_stops_at_the_first_fault() -> None:
    entries = build([A, A, A])
    checker = LedgerChecker()
    assert checker.feed_entry(entries[0])
    assert not checker.feed_entry(entries[2])
    assert checker.result().first_invalid_position == 2


def test_a_well_formed_stream_verifies() -> None:
    stream = [e for e in build([A, B, A, A]) if e.stream_id == A]
    verdict = verify_stream(stream)
    assert (verdict.valid, verdict.checked, verdict.head_hash) == (True, 3, stream[-1].hash)


def test_a_stream_with_a_missing_version_is_reported_at_the_entry_after_the_hole() -> None:
    stream = [e for e in build([A, B, A, A]) if e.stream_id == A]
    verdict = verify_stream([stream[0], stream[2]])
    assert verdict.first_invalid_position == stream[2].position
    assert "version" in verdict.message


def test_a_stream_entry_whose_previous_hash_does_not_link_is_reported() -> None:
    stream = [e for e in build([A, A, A]) if e.stream_id == A]
    stream[1] = dataclasses.replace(stream[1], previous_hash=ZERO)
    verdict = verify_stream(stream)
    assert verdict.first_invalid_position == 2
    assert "previousHash" in verdict.message


def test_a_stream_entry_with_a_changed_time_is_reported() -> None:
    stream = build([A, A])
    stream[1] = dataclasses.replace(stream[1], occurred_at=T0)
    assert verify_stream(stream).first_invalid_position == 2


def test_the_raw_checker_accepts_columns_encoded_as_the_hash_wants_them() -> None:
    checker = RawLedgerChecker()
    for e in build([A, B, A]):
        assert checker.feed(e.position, e.stream_id.bytes, e.version, micros(e.occurred_at),
                            e.topic.encode(), e.state, e.hash, e.previous_hash, e.ledger_hash)
    assert (checker.result().valid, checker.result().checked) == (True, 3)


def test_the_raw_checker_reports_a_changed_state() -> None:
    entries = build([A, B])
    checker = RawLedgerChecker()
    e = entries[0]
    assert not checker.feed(e.position, e.stream_id.bytes, e.version, micros(e.occurred_at),
                            e.topic.encode(), b"{}", e.hash, e.previous_hash, e.ledger_hash)
    assert checker.result().first_invalid_position == 1
