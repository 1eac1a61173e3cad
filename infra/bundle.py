"""Audit bundles: one stream's entries with their stored bytes and hashes, the
whole-ledger links from that stream's first entry to the head, checked offline
with no database (infra/bundle_check.py; docs/audit.md, "Checking a bundle";
hashes: infra/chain.py).

Writing a bundle takes rows already read (infra/audit_cli.py reads them)."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from infra import pii
from infra.chain import StoredEntry, micros
from projections.entries import decode_state

FORMAT = "passerelle.audit-bundle/1"


@dataclass(frozen=True)
class Link:
    """One whole-ledger entry as the chain across the ledger sees it."""

    position: int
    hash: bytes
    ledger_hash: bytes


@dataclass(frozen=True)
class Exported:
    """A stream entry as stored, with the ledgerHash of the entry before it."""

    stored: StoredEntry
    event_type: str
    previous_ledger_hash: bytes | None


def _hex(value: bytes | None) -> str | None:
    return value.hex() if value is not None else None


def _entry_json(e: Exported, keys: Mapping[str, bytes], reveal: bool) -> dict[str, Any]:
    s = e.stored
    data = decode_state(s.state)
    meta = data.pop("meta", None) or {}
    return {
        "position": s.position, "version": s.version, "eventType": e.event_type,
        "topic": s.topic, "occurredAt": s.occurred_at.isoformat(),
        "occurredAtMicros": micros(s.occurred_at),
        "state": base64.b64encode(s.state).decode(), "hash": s.hash.hex(),
        "previousHash": _hex(s.previous_hash), "ledgerHash": s.ledger_hash.hex(),
        "previousLedgerHash": _hex(e.previous_ledger_hash),
        "meta": meta, "payload": pii.reveal(data, dict(keys) if reveal else {}),
    }


def build_bundle(
    stream_id: UUID, stream_type: str, entries: Sequence[Exported], head: Link,
    path_start: bytes | None, path: Iterable[Link], keys: Mapping[str, bytes],
    *, exported_at: datetime, reveal: bool = True,
) -> dict[str, Any]:
    """The bundle as JSON-ready data. Sealed personal data stays sealed in
    `state` (the hashed bytes); `payload` shows it opened with `keys`, or null
    for a forgotten person (or for everyone when `reveal` is False)."""
    links = [[link.position, link.hash.hex(), link.ledger_hash.hex()] for link in path]
    return {
        "format": FORMAT, "exportedAt": exported_at.isoformat(),
        "streamId": str(stream_id), "streamType": stream_type,
        "head": {"position": head.position, "ledgerHash": head.ledger_hash.hex()},
        "entries": [_entry_json(e, keys, reveal) for e in entries],
        "ledgerPath": None if path_start is None else {
            "previousLedgerHash": path_start.hex(), "links": links},
    }
