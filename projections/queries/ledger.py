"""Queries over the ledger itself: pages, stream history, chain verification."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

import asyncpg

from infra.chain import RawLedgerChecker, StoredEntry, Verdict, verify_stream
from projections.entries import ENTRY_COLUMNS, Entry, entry_from_row
from projections.pagination import Page, PaginationError


@dataclass(frozen=True)
class Access:
    """Which ledger entries a viewer may read."""

    everything: bool = False
    excluded_stream_types: frozenset[str] = frozenset()
    party_of: frozenset[UUID] = frozenset()


@dataclass(frozen=True)
class LedgerFilter:
    stream_types: list[str] | None = None
    stream_ids: list[UUID] | None = None
    event_types: list[str] | None = None


@dataclass
class _Where:
    clauses: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)

    def add(self, clause: str, value: object) -> None:
        self.params.append(value)
        self.clauses.append(clause.format(f"${len(self.params)}"))

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "TRUE"


def _visibility(access: Access, f: LedgerFilter) -> _Where:
    w = _Where()
    if not access.everything:
        w.add("e.originator_id IN (SELECT stream_id FROM stream_parties"
              " WHERE organisation_id = ANY({}::uuid[]))", list(access.party_of))
    if access.excluded_stream_types:
        w.add("NOT (e.stream_type = ANY({}::text[]))", list(access.excluded_stream_types))
    if f.stream_types is not None:
        w.add("e.stream_type = ANY({}::text[])", f.stream_types)
    if f.stream_ids is not None:
        w.add("e.originator_id = ANY({}::uuid[])", f.stream_ids)
    if f.event_types is not None:
        w.add("e.event_type = ANY({}::text[])", f.event_types)
    return w


async def ledger_page(
    conn: asyncpg.Connection, after: int | None, first: int, access: Access, f: LedgerFilter
) -> Page[Entry]:
    if after is not None and after < 0:
        raise PaginationError("`after` is a ledger position, 0 or more")
    w = _visibility(access, f)
    total = await conn.fetchval(f"SELECT count(*) FROM ledger_events e WHERE {w.sql()}", *w.params)
    w.add("e.notification_id > {}", after or 0)
    rows = await conn.fetch(
        f"SELECT {_prefixed()} FROM ledger_events e WHERE {w.sql()}"
        f" ORDER BY e.notification_id LIMIT {first + 1}", *w.params,
    )
    entries = [entry_from_row(r) for r in rows[:first]]
    return Page(entries, [str(e.position) for e in entries], len(rows) > first,
                bool(after), total)


def _prefixed() -> str:
    return ", ".join(f"e.{c.strip()}" for c in ENTRY_COLUMNS.split(","))


async def stream_page(
    conn: asyncpg.Connection, stream_id: UUID, first: int, after: str | None
) -> Page[Entry]:
    """A stream's entries, oldest first; the cursor is the stream version."""
    try:
        after_version = int(after) if after is not None else 0
    except ValueError:
        raise PaginationError("`after` is not a cursor this API issued") from None
    total = await conn.fetchval(
        "SELECT count(*) FROM ledger_events WHERE originator_id = $1", stream_id
    )
    rows = await conn.fetch(
        f"SELECT {ENTRY_COLUMNS} FROM ledger_events WHERE originator_id = $1"
        f" AND originator_version > $2 ORDER BY originator_version LIMIT {first + 1}",
        stream_id, after_version,
    )
    entries = [entry_from_row(r) for r in rows[:first]]
    return Page(entries, [str(e.version) for e in entries], len(rows) > first,
                after_version > 0, total)


async def stream_head(conn: asyncpg.Connection, stream_id: UUID) -> asyncpg.Record | None:
    """The stream's type and parties, or None when there is no such stream."""
    return await conn.fetchrow(
        "SELECT e.stream_type, array(SELECT organisation_id FROM stream_parties p"
        " WHERE p.stream_id = e.originator_id) AS parties"
        " FROM ledger_events e WHERE e.originator_id = $1 AND e.originator_version = 1",
        stream_id,
    )


def _stored(r: asyncpg.Record) -> StoredEntry:
    return StoredEntry(
        r["notification_id"], r["originator_id"], r["originator_version"], r["occurred_at"],
        r["topic"], bytes(r["state"]), bytes(r["hash"]),
        bytes(r["previous_hash"]) if r["previous_hash"] is not None else None,
        bytes(r["ledger_hash"]),
    )


async def verify(conn: asyncpg.Connection, stream_id: UUID | None) -> Verdict:
    """Recomputes one stream's chain, or the whole ledger's, streaming the rows."""
    if stream_id is not None:
        rows = await conn.fetch(
            f"SELECT {ENTRY_COLUMNS} FROM ledger_events WHERE originator_id = $1"
            " ORDER BY originator_version", stream_id)
        return verify_stream(_stored(r) for r in rows)
    return await verify_whole_ledger(conn)


# PostgreSQL encodes the hashed columns itself, so no UUID, datetime or str
# objects are built per row: the check streams at memory speed.
WHOLE_LEDGER_SQL = (
    "SELECT notification_id, uuid_send(originator_id), originator_version,"
    " (extract(epoch FROM occurred_at) * 1000000)::bigint, convert_to(topic, 'UTF8'),"
    " state, hash, previous_hash, ledger_hash FROM ledger_events ORDER BY notification_id")


async def verify_whole_ledger(conn: asyncpg.Connection) -> Verdict:
    """The algorithm of infra/chain.py over raw bytes, in constant memory."""
    checker = RawLedgerChecker()
    async with conn.transaction(readonly=True):
        async for row in conn.cursor(WHOLE_LEDGER_SQL, prefetch=10000):
            if not checker.feed(*row):
                break
    return checker.result()
