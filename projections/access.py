"""Who is party to each stream: the organisations whose members may read its
history, its ledger entries and its live updates."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from projections.base import insert_new
from projections.entries import Entry, uuid_of

ORGANISATION_STREAMS = frozenset({"Startup", "Corporate"})
# Fields of a stream's first event that name an organisation party to it.
PARTY_FIELDS = ("startup_id", "corporate_id")
COLUMNS = ("stream_id", "organisation_id")
INSERT = ("INSERT INTO stream_parties (stream_id, organisation_id) VALUES ($1, $2)"
          " ON CONFLICT DO NOTHING")


def parties_of(entry: Entry) -> set[UUID]:
    """Pure: the parties a stream's first event establishes."""
    if entry.version != 1:
        return set()
    if entry.stream_type in ORGANISATION_STREAMS:
        return {entry.stream_id}
    return {uuid_of(entry.data[f]) for f in PARTY_FIELDS if entry.data.get(f)}


class AccessProjection:
    """Keeps `stream_parties`."""

    name = "access"
    tables = ("stream_parties",)

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        # Pairs come only from a stream's first entry, which is applied once:
        # none of them is stored yet (copied, a duplicate would fail loudly).
        pairs = [(e.stream_id, org) for e in entries if e.version == 1
                 for org in parties_of(e)]
        await insert_new(conn, "stream_parties", COLUMNS, pairs, INSERT)
