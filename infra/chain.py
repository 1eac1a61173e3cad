"""The ledger's hash chains, recomputed from stored rows alone (docs/ledger.md).
Pure Python: the offline bundle check uses it with no database."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

ZERO = bytes(32)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class StoredEntry:
    """The columns the chains cover, as stored."""

    position: int
    stream_id: UUID
    version: int
    occurred_at: datetime
    topic: str
    state: bytes
    hash: bytes
    previous_hash: bytes | None
    ledger_hash: bytes


@dataclass(frozen=True)
class Verdict:
    valid: bool
    checked: int
    head_hash: bytes | None
    first_invalid_position: int | None
    message: str


def micros(ts: datetime) -> int:
    return (ts - EPOCH) // timedelta(microseconds=1)


def entry_bytes(e: StoredEntry) -> bytes:
    topic = e.topic.encode()
    return (
        e.stream_id.bytes + e.version.to_bytes(8, "big", signed=True)
        + micros(e.occurred_at).to_bytes(8, "big", signed=True)
        + len(topic).to_bytes(4, "big", signed=True) + topic + e.state
    )


def stream_hash(previous: bytes | None, e: StoredEntry) -> bytes:
    return hashlib.sha256((previous or ZERO) + entry_bytes(e)).digest()


def ledger_hash(previous: bytes | None, position: int, entry_hash: bytes) -> bytes:
    return hashlib.sha256((previous or ZERO) + position.to_bytes(8, "big") + entry_hash).digest()


def _stream_fault(e: StoredEntry, prev: bytes | None, expected_version: int) -> str | None:
    if e.version != expected_version:
        return f"expected version {expected_version}, found {e.version} (a missing entry?)"
    if e.previous_hash != prev:
        return "previousHash does not match the hash of the stream's previous entry"
    if stream_hash(prev, e) != e.hash:
        return "hash does not match the entry's stored bytes"
    return None


def verify_stream(entries: Iterable[StoredEntry]) -> Verdict:
    """Checks one stream's chain, entries in version order."""
    prev: bytes | None = None
    count = 0
    for count, e in enumerate(entries, start=1):
        fault = _stream_fault(e, prev, count)
        if fault:
            return Verdict(False, count, prev, e.position, f"position {e.position}: {fault}")
        prev = e.hash
    return Verdict(True, count, prev, None, f"{count} entries verified")


class RawLedgerChecker:
    """Checks the whole-ledger chain one entry at a time (constant memory), over
    columns already encoded as the hash wants them (stream id bytes, micros,
    topic bytes): `verify` feeds it straight from PostgreSQL."""

    def __init__(self, start_position: int = 1, start_hash: bytes | None = None) -> None:
        self.prev = start_hash
        self.expected = start_position
        self.count = 0
        self.verdict: Verdict | None = None

    def _fail(self, position: int, why: str) -> bool:
        self.verdict = Verdict(False, self.count, self.prev, position, why)
        return False

    def feed(self, pos: int, sid: bytes, ver: int, us: int, topic: bytes, state: bytes,
             h: bytes, ph: bytes | None, lh: bytes) -> bool:
        """False once a fault is found (then `verdict` says where)."""
        if pos != self.expected:
            return self._fail(self.expected,
                              f"position {self.expected} is missing (found {pos} next)")
        body = (sid + ver.to_bytes(8, "big", signed=True) + us.to_bytes(8, "big", signed=True)
                + len(topic).to_bytes(4, "big", signed=True) + topic + state)
        if hashlib.sha256((ph or ZERO) + body).digest() != h:
            return self._fail(pos, f"position {pos}: hash does not match the entry's stored bytes")
        if hashlib.sha256((self.prev or ZERO) + pos.to_bytes(8, "big") + h).digest() != lh:
            return self._fail(
                pos, f"position {pos}: ledgerHash does not chain from the previous entry")
        self.prev, self.count, self.expected = lh, self.count + 1, self.expected + 1
        return True

    def result(self) -> Verdict:
        return self.verdict or Verdict(
            True, self.count, self.prev, None, f"{self.count} entries verified")


class LedgerChecker(RawLedgerChecker):
    """The same check, fed with StoredEntry rows (the offline bundle check)."""

    def feed_entry(self, e: StoredEntry) -> bool:
        return self.feed(e.position, e.stream_id.bytes, e.version, micros(e.occurred_at),
                         e.topic.encode(), e.state, e.hash, e.previous_hash, e.ledger_hash)


def verify_ledger(entries: Iterable[StoredEntry], start_position: int = 1,
                  start_hash: bytes | None = None) -> Verdict:
    """Checks the whole-ledger chain, entries in position order (streamed)."""
    checker = LedgerChecker(start_position, start_hash)
    for e in entries:
        if not checker.feed_entry(e):
            break
    return checker.result()
