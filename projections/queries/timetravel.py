"""Entities as they stood at a moment or a version, folded from their own
events with the projection's pure `evolve` (not read from the read model),
starting from the nearest read-side snapshot (projections/snapshots.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from projections.base import Evolve, KeyOf, Row
from projections.entries import ENTRY_COLUMNS, entry_from_row
from projections.snapshots import latest_snapshot


def _until(
    stream_id: UUID, after: int, as_of: datetime | None, at_version: int | None
) -> tuple[list[str], list[Any]]:
    """WHERE clauses for the stream's entries after version `after`, up to the point."""
    clauses, params = ["originator_id = $1", "originator_version > $2"], [stream_id, after]
    if as_of is not None:
        params.append(as_of)
        clauses.append(f"occurred_at <= ${len(params)}")
    if at_version is not None:
        params.append(at_version)
        clauses.append(f"originator_version <= ${len(params)}")
    return clauses, params


async def fold_stream(
    conn: asyncpg.Connection,
    stream_id: UUID,
    evolve: Evolve,
    as_of: datetime | None = None,
    at_version: int | None = None,
) -> Row | None:
    """The row `evolve` builds from the stream's entries up to the point asked
    (None when the stream did not exist yet)."""
    snapshot = await latest_snapshot(conn, stream_id, evolve, as_of, at_version)
    after, row = snapshot if snapshot else (0, None)
    clauses, params = _until(stream_id, after, as_of, at_version)
    records = await conn.fetch(
        f"SELECT {ENTRY_COLUMNS} FROM ledger_events WHERE {' AND '.join(clauses)}"
        " ORDER BY originator_version", *params,
    )
    for record in records:
        row = evolve(row, entry_from_row(record))
    return row


async def fold_keyed(
    conn: asyncpg.Connection,
    stream_id: UUID,
    key_of: KeyOf,
    evolve: Evolve,
    as_of: datetime | None = None,
    at_version: int | None = None,
) -> dict[tuple[Any, ...], Row]:
    """Rows of a nested collection (e.g. an organisation's members) as they
    stood at the point asked, by key, folded with that collection's own
    `key_of`/`evolve` (projections/base.py::fold_into's pair). No snapshots:
    meant for collections whose streams stay short."""
    clauses, params = _until(stream_id, 0, as_of, at_version)
    rows: dict[tuple[Any, ...], Row | None] = {}
    for record in await conn.fetch(
        f"SELECT {ENTRY_COLUMNS} FROM ledger_events WHERE {' AND '.join(clauses)}"
        " ORDER BY originator_version", *params,
    ):
        entry = entry_from_row(record)
        key = key_of(entry)
        if key is not None:
            rows[key] = evolve(rows.get(key), entry)
    return {k: r for k, r in rows.items() if r is not None}


def wants_past(as_of: Any, at_version: Any) -> bool:
    return as_of is not None or at_version is not None
