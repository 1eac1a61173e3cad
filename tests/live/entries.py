"""Ledger entries built in memory for the live unit tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from infra.live import LiveEntry
from projections.entries import Entry

STREAM = uuid4()


def entry(position: int, stream: UUID = STREAM, *, stream_type: str = "Startup",
          type: str = "LabelGranted", version: int = 2, data: dict[str, Any] | None = None,
          meta: dict[str, Any] | None = None) -> Entry:
    return Entry(position=position, stream_id=stream, version=version, stream_type=stream_type,
                 type=type, occurred_at=datetime(2024, 5, 1, tzinfo=UTC), data=data or {},
                 meta=meta or {}, topic=f"x:{stream_type}.{type}", state=b"{}", hash=b"h",
                 previous_hash=None, ledger_hash=b"l")


def live(position: int, parties: frozenset[UUID] = frozenset({STREAM}), **kw: Any) -> LiveEntry:
    return LiveEntry(entry(position, **kw), parties)
