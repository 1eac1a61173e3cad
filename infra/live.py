"""The live ledger of one instance: a single LISTEN connection reads each newly
committed range of `ledger_events` once and fans it out to bounded per-subscriber
feeds; subscribers catch up from the database by position, page by page.

Positions are gapless and follow commit order (`ledger_append` holds a table
lock), so "every row after the last position read" never skips an entry. NOTIFY
payloads are only a wake-up call: rows are always read from the table, which is
also how a reconnect (or a lost notification) is caught up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from infra.live_feed import FellBehindError, LiveEntry, LiveFeed, LiveLimits, _env_name
from infra.live_gc import HeapFreezer
from infra.observability import SUBSCRIBERS
from infra.settings import DB_TIMEOUT_SECONDS
from projections.access import AccessProjection, parties_of
from projections.base import Conn
from projections.engine import LEDGER_CHANNEL
from projections.entries import ENTRY_COLUMNS, Entry, entry_from_row
from projections.queries.ledger import Access, LedgerFilter
from projections.queries.organisations import organisations_of_user
from projections.sessions import LOST, Backoff, close_or_drop, sleep_or_stop, wait_either

log = logging.getLogger("passerelle.live")
__all__ = ["LISTENER_NAME", "CatchUpPage", "FellBehindError", "LiveBroker", "LiveEntry",
           "LiveFeed", "LiveLimits", "StreamParties", "_env_name"]
# How long a feed may stay parked on another subscriber's result before its
# task is woken anyway (schema/live/direct.py releases it within milliseconds
# of the result, unless a batch's fan-out takes longer than this).
PARKED_SECONDS = 1.0
LISTENER_NAME = "passerelle-live"  # pg_stat_activity.application_name of each instance's listener

_COLUMNS = ", ".join(f"e.{c.strip()}" for c in ENTRY_COLUMNS.split(","))
_READ_NEW = (f"SELECT {_COLUMNS} FROM ledger_events e WHERE e.notification_id > $1"
             " ORDER BY e.notification_id LIMIT $2")
# Parties come from a stream's first event (the rule AccessProjection applies),
# united with what the projection has stored: right even before it has run.
_FIRST_EVENTS = (f"SELECT {_COLUMNS}, array(SELECT p.organisation_id FROM stream_parties p"
                 " WHERE p.stream_id = e.originator_id) AS stored_parties"
                 " FROM ledger_events e WHERE e.originator_id = ANY($1::uuid[])"
                 " AND e.originator_version = 1")


class StreamParties:
    """Stream → parties, cached (a stream's parties are fixed by its first event)."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._known: OrderedDict[UUID, frozenset[UUID]] = OrderedDict()

    async def attach(self, conn: Conn, entries: Sequence[Entry]) -> list[LiveEntry]:
        missing = {e.stream_id for e in entries if e.stream_id not in self._known}
        if missing:
            for row in await conn.fetch(_FIRST_EVENTS, list(missing)):
                parties = parties_of(entry_from_row(row)) | set(row["stored_parties"])
                self._remember(row["originator_id"], frozenset(parties))
        return [LiveEntry(e, self._lookup(e.stream_id)) for e in entries]

    def _lookup(self, stream_id: UUID) -> frozenset[UUID]:
        parties = self._known.get(stream_id, frozenset())
        if stream_id in self._known:
            self._known.move_to_end(stream_id)
        return parties

    def _remember(self, stream_id: UUID, parties: frozenset[UUID]) -> None:
        self._known[stream_id] = parties
        while len(self._known) > self.capacity:
            self._known.popitem(last=False)


@dataclass(frozen=True)
class CatchUpPage:
    """Candidate entries after a position, read in one snapshot with the
    viewer's memberships as of that snapshot."""

    entries: list[LiveEntry]
    member_of: frozenset[UUID]
    exhausted: bool


def _catch_up_query(after: int, access: Access, f: LedgerFilter, orgs: frozenset[UUID],
                    limit: int) -> tuple[str, list[Any]]:
    """Pre-selects in SQL what Query.ledger would show. stream_parties is trusted
    only up to the access projection's position (same snapshot); later rows are
    all returned and judged in Python from their first event's parties."""
    params: list[Any] = [after, limit]
    clauses = ["e.notification_id > $1"]

    def add(clause: str, *values: Any) -> None:
        marks = [f"${len(params) + i + 1}" for i in range(len(values))]
        params.extend(values)
        clauses.append(clause.format(*marks))

    if access.excluded_stream_types:
        add("NOT (e.stream_type = ANY({}::text[]))", list(access.excluded_stream_types))
    for column, wanted, kind in (("stream_type", f.stream_types, "text"),
                                 ("originator_id", f.stream_ids, "uuid"),
                                 ("event_type", f.event_types, "text")):
        if wanted is not None:
            add(f"e.{column} = ANY({{}}::{kind}[])", list(wanted))
    if not access.everything:
        add("(e.notification_id > (SELECT coalesce(max(t.position), 0) FROM projection_tracking t"
            " WHERE t.name = {}) OR e.originator_id IN (SELECT p.stream_id FROM stream_parties p"
            " WHERE p.organisation_id = ANY({}::uuid[])))", AccessProjection.name, list(orgs))
    sql = (f"SELECT {_COLUMNS} FROM ledger_events e WHERE {' AND '.join(clauses)}"
           " ORDER BY e.notification_id LIMIT $2")
    return sql, params


class LiveBroker:
    """Per instance: one listener, one read per commit, fan-out to every feed."""

    def __init__(self, dsn: str, pool: asyncpg.Pool, limits: LiveLimits | None = None,
                 retry_seconds: float = 0.5,
                 timeout_seconds: float = DB_TIMEOUT_SECONDS) -> None:
        """`timeout_seconds` bounds the listener's connect and each of its reads:
        over a partition, or once the database's host has vanished, a read gets
        no answer and TCP would wait about 15 minutes to say so; bounded, the
        listener reconnects at its next poll."""
        self.dsn = dsn
        self.pool = pool
        self.limits = limits or LiveLimits.from_env()
        self.retry_seconds = retry_seconds
        self._backoff = Backoff(retry_seconds)  # doubling while reconnecting fails
        self.timeout_seconds = timeout_seconds
        self.head = 0  # last position published to feeds
        self.reconnects = 0
        self.failures = 0
        self.parties = StreamParties()
        self.freezer = HeapFreezer(bool(self.limits.gc_freeze))
        self._feeds: set[LiveFeed] = set()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()

    async def subscribe(self) -> LiveFeed:
        """A feed of every entry committed from now on (read what came before
        from the database: `catch_up_page`). Starts the listener on first use."""
        await self._ensure_started()
        feed = LiveFeed(self.limits.buffer_entries)
        self._feeds.add(feed)
        self._count_changed()
        return feed

    def unsubscribe(self, feed: LiveFeed) -> None:
        self._feeds.discard(feed)
        self._count_changed()

    def _count_changed(self) -> None:
        SUBSCRIBERS.set(len(self._feeds))
        self.freezer.subscribers(len(self._feeds))

    @property
    def subscribers(self) -> int:
        return len(self._feeds)

    async def catch_up_page(self, after: int, access: Access, f: LedgerFilter,
                            member: str | None) -> CatchUpPage:
        """The next candidates after `after`; `member`'s memberships (startup and
        corporate users) are read in the same snapshot and count as parties."""
        async with self.pool.acquire() as conn, conn.transaction(
                isolation="repeatable_read", readonly=True):
            member_of = frozenset(await organisations_of_user(conn, member) if member else ())
            sql, params = _catch_up_query(after, access, f, access.party_of | member_of,
                                          self.limits.batch_size)
            rows = await conn.fetch(sql, *params)
            entries = await self.parties.attach(conn, [entry_from_row(r) for r in rows])
        return CatchUpPage(entries, member_of, len(rows) < self.limits.batch_size)

    async def _ensure_started(self) -> None:
        async with self._starting:
            if self._task is None:
                # Every feed gets what commits after this; earlier rows are catch-up's.
                self.head = await self.pool.fetchval(
                    "SELECT coalesce(max(notification_id), 0) FROM ledger_events")
                self._task = asyncio.create_task(self._run(), name="passerelle-live")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, timeout=5)  # cancels it on timeout
        self._feeds.clear()
        SUBSCRIBERS.set(0)

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self._listen()
            except LOST as exc:
                self.reconnects += 1
                log.warning("live ledger listener lost, reconnecting: %r", exc)
            except (ValueError, KeyError, TypeError):
                # An entry that cannot be decoded: never skip it, say so, retry.
                self.failures += 1
                log.exception("live ledger read failed after position %s; retrying", self.head)
            await sleep_or_stop(self._stop, self._backoff.take())

    async def _listen(self) -> None:
        conn = await asyncpg.connect(
            self.dsn, server_settings={"application_name": LISTENER_NAME},
            timeout=self.timeout_seconds, command_timeout=self.timeout_seconds)
        try:
            conn.add_termination_listener(lambda _conn: self._wake.set())
            await conn.add_listener(LEDGER_CHANNEL, lambda *_: self._wake.set())
            self._backoff.connected()
            self._wake.set()  # whatever committed while no one was listening
            while not self._stop.is_set():
                await wait_either(self._wake, self._stop, self.limits.poll_seconds)
                self._wake.clear()
                if conn.is_closed():
                    raise ConnectionResetError("the listening connection was closed")
                await self._drain(conn)
        finally:
            await close_or_drop(conn)

    async def _drain(self, conn: asyncpg.Connection) -> None:
        """Publishes every row after `head`, in position order, batch by batch."""
        while not self._stop.is_set():
            rows = await conn.fetch(_READ_NEW, self.head, self.limits.batch_size)
            if not rows:
                return
            batch = await self.parties.attach(conn, [entry_from_row(r) for r in rows])
            self.head = batch[-1].entry.position
            await self._offer(batch)
            self._watch_parked(self.head)
            if len(rows) < self.limits.batch_size:
                return

    async def _offer(self, batch: list[LiveEntry]) -> None:
        """Offers the batch to every feed. Once, right after the first feed found
        woken, yields to the loop so that its task runs a step: it computes the
        batch's results (schema/live/direct.py), which the other feeds then send
        at once instead of parking until it does. Feeds subscribed meanwhile
        read the batch from the database, as any subscribed after a read does."""
        woken = False
        for feed in list(self._feeds):
            if not feed.offer(batch):
                self.unsubscribe(feed)  # overflowed: it resumes from the database
            elif not woken and feed.woken:
                woken = True
                await asyncio.sleep(0)

    def _watch_parked(self, position: int) -> None:
        """Feeds parked on a result another subscriber computes are resumed when it
        is known, or when that subscriber's task ends; should neither happen in
        PARKED_SECONDS (a batch whose fan-out outlasts it), their tasks are woken."""
        parked = [feed for feed in self._feeds if feed.parked]
        if parked:
            asyncio.get_running_loop().call_later(PARKED_SECONDS, _unpark, parked, position)


def _unpark(feeds: list[LiveFeed], position: int) -> None:
    for feed in feeds:
        feed.unpark(position)
