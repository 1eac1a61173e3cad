"""Ledger entries as the read side sees them, decoded from the stored rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from sys import intern
from typing import Any
from uuid import UUID

import orjson
from asyncpg.pgproto.pgproto import UUID as FastUUID

# Columns every reader of the ledger selects, in this order.
ENTRY_COLUMNS = (
    "notification_id, originator_id, originator_version, topic, state, stream_type,"
    " event_type, occurred_at, hash, previous_hash, ledger_hash"
)
# What folding reads of an entry: the rebuild's reader selects only these (the
# topic and the hashes serve the audit and the live feed; parsing them for a
# million entries costs about a second).
FOLD_COLUMNS = (
    "notification_id, originator_id, originator_version, state, stream_type, event_type,"
    " occurred_at"
)


@dataclass(frozen=True)
class Entry:
    """One ledger entry: position, stream, event type, payload, metadata, hashes."""

    position: int
    stream_id: UUID
    version: int
    stream_type: str
    type: str
    occurred_at: datetime
    data: dict[str, Any]
    meta: dict[str, Any]
    topic: str
    state: bytes
    hash: bytes
    previous_hash: bytes | None
    ledger_hash: bytes


def uuid_of(value: Any) -> UUID:
    """The UUID of an id as events carry it (text). asyncpg's C UUID is what
    uuid columns read back as: equal to uuid.UUID, same hash, a subclass of it,
    built ten times faster (folds build hundreds of thousands in a rebuild);
    the forms only uuid.UUID parses (braces, urn:) go through it."""
    if isinstance(value, UUID):
        return value
    try:
        return FastUUID(str(value))
    except ValueError:
        return UUID(str(value))


def _hyphenated(data: Any) -> str:
    """str(UUID(data)), through asyncpg's C UUID (a fourth of the time of
    slicing the 32 hex digits after a regex match)."""
    return str(uuid_of(data))


def _plain(value: Any) -> Any:
    """eventsourcing's JSON transcoder wraps UUIDs, dates and decimals as
    {"_type_", "_data_"}; the read side wants the plain value. Containers are
    freshly parsed and nobody else holds them: they are unwrapped in place,
    which spares rebuilding every dict and list of the event."""
    kind = type(value)
    if kind is dict:
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            data = value["_data_"]
            return _hyphenated(data) if value["_type_"] == "uuid_hex" else _plain(data)
        for key, item in value.items():  # values replaced, keys unchanged: allowed
            if type(item) in _CONTAINERS:
                value[key] = _plain(item)
    elif kind is list:
        for i, item in enumerate(value):
            if type(item) in _CONTAINERS:
                value[i] = _plain(item)
    return value


_CONTAINERS = (dict, list)


def decode_state(state: bytes) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(state)
    # Most events tag only their timestamp: skip the recursive walk for them.
    tagged = state.count(b'"_type_"') - (1 if isinstance(data.get("timestamp"), dict) else 0)
    data.pop("timestamp", None)
    data.pop("originator_topic", None)
    return _plain(data) if tagged > 0 else data


_new = object.__new__


def entry_from_row(row: Any) -> Entry:
    """From an asyncpg record selected with ENTRY_COLUMNS."""
    state = bytes(row["state"])
    data = decode_state(state)
    meta = data.pop("meta", None) or {}
    previous = row["previous_hash"]
    # A frozen dataclass's __init__ sets each field through object.__setattr__
    # (about 3 µs for these 13): filling the new instance's __dict__ at once
    # makes the same object for a fraction of that, which counts when a
    # rebuild decodes a million entries.
    entry = _new(Entry)
    entry.__dict__.update(
        position=row["notification_id"], stream_id=row["originator_id"],
        version=row["originator_version"], stream_type=row["stream_type"],
        type=row["event_type"], occurred_at=row["occurred_at"], data=data, meta=meta,
        topic=row["topic"], state=state, hash=bytes(row["hash"]),
        previous_hash=bytes(previous) if previous is not None else None,
        ledger_hash=bytes(row["ledger_hash"]))
    return entry


def folded_entry_from_row(row: Any) -> Entry:
    """From an asyncpg record selected with FOLD_COLUMNS, for projections: an
    Entry without topic and hashes (reading them raises AttributeError)."""
    position, stream_id, version, state, stream_type, event_type, occurred_at = row
    data = decode_state(state)
    entry = _new(Entry)
    # The type names interned: every entry of a type then shares one string,
    # hot in the cache, that the folds' comparisons and lookups (against
    # interned literals) match by identity; a fresh string per entry costs a
    # cache miss at each of them.
    entry.__dict__.update(
        position=position, stream_id=stream_id, version=version,
        stream_type=intern(stream_type), type=intern(event_type), occurred_at=occurred_at,
        data=data, meta=data.pop("meta", None) or {}, state=state)
    return entry
