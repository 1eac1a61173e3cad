"""Who is party to each stream: the organisations whose members may read its
history, its ledger entries and its live updates."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from projections.entries import Entry

ORGANISATION_STREAMS = frozenset({"Startup", "Corporate"})
# Fields of a stream's first event that name an organisation party to it.
PARTY_FIELDS = ("startup_id", "corporate_id")


def parties_of(entry: Entry) -> set[UUID]:
    """Pure: the parties a stream's first event establishes."""
    if entry.version != 1:
        return set()
    if entry.stream_type in ORGANISATION_STREAMS:
        return {entry.stream_id}
    return {UUID(str(entry.data[f])) for f in PARTY_FIELDS if entry.data.get(f)}


class AccessProjection:
    """Keeps `stream_parties`."""

    name = "access"
    tables = ("stream_parties",)

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        pairs = [(e.stream_id, org) for e in entries for org in parties_of(e)]
        if pairs:
            await conn.executemany(
                "INSERT INTO stream_parties (stream_id, organisation_id) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING",
                pairs,
            )
