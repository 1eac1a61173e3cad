"""Checking an audit bundle (infra/bundle.py writes them) offline, with no
database: it takes only the parsed JSON, and reports every fault it finds
(docs/audit.md, "Checking a bundle")."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from infra import pii
from infra.bundle import FORMAT, Exported, Link
from infra.chain import EPOCH, StoredEntry, ledger_hash, stream_hash
from projections.entries import decode_state


@dataclass(frozen=True)
class Fault:
    position: int | None
    message: str

    def __str__(self) -> str:
        where = f"position {self.position}" if self.position is not None else "bundle"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Report:
    faults: list[Fault]
    entries: int
    links: int
    head: Link | None

    @property
    def valid(self) -> bool:
        return not self.faults

    @property
    def first_invalid_position(self) -> int | None:
        return next((f.position for f in self.faults if f.position is not None), None)


class BundleError(ValueError):
    """The file is not a bundle this checker can read."""


def _bytes(text: str | None, hexa: bool = True) -> bytes | None:
    if text is None:
        return None
    return bytes.fromhex(text) if hexa else base64.b64decode(text, validate=True)


def _stored(stream_id: UUID, raw: dict[str, Any]) -> tuple[Exported, list[Fault]]:
    at = EPOCH + timedelta(microseconds=int(raw["occurredAtMicros"]))
    faults = []
    if datetime.fromisoformat(raw["occurredAt"]) != at:
        faults.append(Fault(raw["position"], "occurredAt and occurredAtMicros disagree"))
    stored = StoredEntry(
        int(raw["position"]), stream_id, int(raw["version"]), at, raw["topic"],
        _bytes(raw["state"], hexa=False) or b"", _bytes(raw["hash"]) or b"",
        _bytes(raw["previousHash"]), _bytes(raw["ledgerHash"]) or b"",
    )
    return Exported(stored, raw.get("eventType", ""), _bytes(raw["previousLedgerHash"])), faults


def _parse(bundle: Any) -> tuple[list[tuple[Exported, dict[str, Any]]], list[Fault]]:
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise BundleError(f"not a {FORMAT} bundle")
    try:
        stream_id = UUID(bundle["streamId"])
        parsed, faults = [], []
        for raw in bundle["entries"]:
            entry, entry_faults = _stored(stream_id, raw)
            parsed.append((entry, raw))
            faults += entry_faults
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise BundleError(f"malformed bundle: {exc!r}") from None
    return parsed, faults


def _matches(stored: Any, shown: Any) -> bool:
    """`payload` must say what `state` says; sealed values may read as data or null."""
    if pii.is_sealed(stored):
        return shown is None or isinstance(shown, dict)
    if isinstance(stored, dict):
        return (isinstance(shown, dict) and stored.keys() == shown.keys()
                and all(_matches(v, shown[k]) for k, v in stored.items()))
    if isinstance(stored, list):
        return (isinstance(shown, list) and len(stored) == len(shown)
                and all(_matches(a, b) for a, b in zip(stored, shown, strict=True)))
    return bool(stored == shown)


def _entry_faults(e: Exported, raw: dict[str, Any], version: int,
                  prev: bytes | None, prev_position: int) -> list[Fault]:
    s, out = e.stored, []
    if s.version != version:
        out.append(f"expected version {version}, found {s.version}: an entry is missing or moved")
    if s.position <= prev_position:
        out.append("positions do not increase with versions: entries were reordered")
    if s.previous_hash != prev:
        out.append("previousHash does not match the hash of the stream's previous entry")
    if stream_hash(s.previous_hash, s) != s.hash:
        out.append("hash does not match the entry's stored bytes")
    if ledger_hash(e.previous_ledger_hash, s.position, s.hash) != s.ledger_hash:
        out.append("ledgerHash does not chain from previousLedgerHash and this hash")
    data = decode_state(s.state)
    if not _matches({"meta": data.pop("meta", None) or {}, "payload": data},
                    {"meta": raw.get("meta"), "payload": raw.get("payload")}):
        out.append("payload or meta does not match the entry's stored bytes")
    return [Fault(s.position, m) for m in out]


def _stream_faults(parsed: list[tuple[Exported, dict[str, Any]]]) -> list[Fault]:
    faults: list[Fault] = []
    prev: bytes | None = None
    prev_version = prev_position = 0
    for e, raw in parsed:
        faults += _entry_faults(e, raw, prev_version + 1, prev, prev_position)
        prev, prev_version, prev_position = e.stored.hash, e.stored.version, e.stored.position
    return faults


def _links(bundle: dict[str, Any]) -> tuple[bytes, list[Link]]:
    path = bundle["ledgerPath"]
    links = [Link(int(p), bytes.fromhex(h), bytes.fromhex(lh)) for p, h, lh in path["links"]]
    return bytes.fromhex(path["previousLedgerHash"]), links


def _path_faults(start: bytes, links: list[Link], head: Link) -> list[Fault]:
    """Each link must chain from the one before it, with no missing position."""
    faults, prev = [], start
    expected = links[0].position if links else head.position + 1
    for link in links:
        if link.position != expected:
            faults.append(Fault(expected, f"position {expected} is missing from the ledger"))
        elif ledger_hash(prev, link.position, link.hash) != link.ledger_hash:
            faults.append(Fault(link.position, "ledgerHash does not chain from the previous entry"))
        prev, expected = link.ledger_hash, link.position + 1
    last = links[-1] if links else None
    if last is None or (last.position, last.ledger_hash) != (head.position, head.ledger_hash):
        faults.append(Fault(head.position, "the ledger path does not end at the exported head"))
    return faults


def _ledger_hashes(start: bytes, links: list[Link]) -> dict[int, bytes]:
    """ledgerHash by position along the path, including the one it starts from."""
    known = {links[0].position - 1: start} if links else {}
    known.update((link.position, link.ledger_hash) for link in links)
    return known


def _tie_faults(parsed: list[tuple[Exported, dict[str, Any]]], start: bytes,
                links: list[Link]) -> list[Fault]:
    """The stream's entries must be the path's links at their positions."""
    by_position = {link.position: link for link in links}
    known = _ledger_hashes(start, links)
    faults = []
    for e, _ in parsed:
        s = e.stored
        link = by_position.get(s.position)
        if link is None or (link.hash, link.ledger_hash) != (s.hash, s.ledger_hash):
            faults.append(Fault(s.position, "the entry is not the ledger path's entry there"))
        elif known.get(s.position - 1) != e.previous_ledger_hash:
            faults.append(Fault(s.position, "previousLedgerHash is not the path's previous link"))
    return faults


def _checkpoint_faults(start: bytes, links: list[Link],
                       checkpoints: Sequence[tuple[int, bytes]]) -> list[Fault]:
    known = _ledger_hashes(start, links)
    faults = []
    for position, expected in checkpoints:
        if position not in known:
            faults.append(Fault(position, "checkpoint not covered by the ledger path"))
        elif known[position] != expected:
            faults.append(Fault(position, "ledgerHash differs from the checkpoint: rewritten"))
    return faults


def check_bundle(bundle: Any, checkpoints: Sequence[tuple[int, bytes]] = ()) -> Report:
    """Every fault found, by position; raises BundleError when unreadable."""
    parsed, faults = _parse(bundle)
    faults += _stream_faults(parsed)
    try:
        head = Link(int(bundle["head"]["position"]), b"",
                    bytes.fromhex(bundle["head"]["ledgerHash"]))
        start, links = _links(bundle) if bundle.get("ledgerPath") else (b"", [])
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleError(f"malformed head or ledgerPath: {exc!r}") from None
    if bundle.get("ledgerPath"):
        faults += _path_faults(start, links, head)
        faults += _tie_faults(parsed, start, links)
    faults += _checkpoint_faults(start, links, checkpoints)
    faults.sort(key=lambda f: (f.position is None, f.position or 0))
    return Report(faults, len(parsed), len(links), head)
