"""The projector: follows the ledger in position order and applies each batch
to every projection, committing rows and tracking positions in one transaction,
so a crash at any point never skips or double-applies an entry."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, cast

import asyncpg

from projections.base import Conn, Projection, stream_types_of
from projections.entries import ENTRY_COLUMNS, Entry, entry_from_row
from projections.sessions import (
    LOST,
    SESSION_KEEPALIVES,
    close_or_drop,
    hold_lock,
    lock_session,
    sleep_or_stop,
    wait_either,
)
from projections.waiters import PositionWaiters

log = logging.getLogger("passerelle.projector")

LEDGER_CHANNEL = "passerelle_ledger"
PROJECTED_CHANNEL = "passerelle_projected"
LEADER_LOCK = 0x5A55E4E11E  # advisory lock key: one projector leader per database
LOCK_CHECK_SECONDS = 5.0  # a leader reads its lock's connection this often

# The tracking rows locked (in name order), then the batch after the lowest of
# them, in one round trip. The first row carries the positions and the ledger's
# head (in the statement's snapshot); with nothing new, that one row comes back
# with NULL entry columns. $3: the stream types to read, NULL for all.
LOCK_AND_READ = f"""
WITH tracked AS MATERIALIZED (
    SELECT name, position FROM projection_tracking WHERE name = ANY($1::text[])
    ORDER BY name FOR UPDATE),
positions AS (
    SELECT array_agg(name) AS names, array_agg(position) AS positions, min(position) AS low,
           (SELECT coalesce(max(notification_id), 0) FROM ledger_events) AS head
    FROM tracked HAVING count(*) > 0)
SELECT CASE WHEN coalesce(batch._n, 1) = 1 THEN positions.names END AS _names,
       CASE WHEN coalesce(batch._n, 1) = 1 THEN positions.positions END AS _positions,
       positions.head AS _head, batch.*
FROM positions LEFT JOIN LATERAL (
    SELECT {ENTRY_COLUMNS}, row_number() OVER (ORDER BY notification_id) AS _n
    FROM ledger_events WHERE notification_id > positions.low
    AND ($3::text[] IS NULL OR stream_type = ANY($3::text[]))
    ORDER BY notification_id LIMIT $2) AS batch ON true
ORDER BY batch.notification_id"""
MOVE_AND_NOTIFY = """
WITH moved AS (
    UPDATE projection_tracking SET position = $2, updated_at = now()
    WHERE name = ANY($1::text[]) AND position < $2 RETURNING 1)
SELECT CASE WHEN $3::text IS NULL THEN NULL ELSE pg_notify($3, $2::text) END,
       (SELECT count(*) FROM moved)"""


class Projector:
    """Applies ledger batches to a set of projections."""

    def __init__(
        self, pool: asyncpg.Pool, projections: Sequence[Projection], batch_size: int = 500,
        *, notify: bool = True,
    ) -> None:
        self.pool = pool
        self.projections = list(projections)
        self.batch_size = batch_size
        self.notify = notify  # off for private rebuilds: their positions mean nothing to waiters
        self.names = [p.name for p in self.projections]
        # When every projection says which stream types it folds (`stream_types`),
        # only those entries are read and decoded: a rebuild of one projection
        # skips the rest of the ledger in SQL.
        self.stream_types = stream_types_of(self.projections)

    async def ensure_tracking(self) -> None:
        await self.pool.executemany(
            "INSERT INTO projection_tracking (name) VALUES ($1) ON CONFLICT DO NOTHING",
            [(n,) for n in self.names],
        )

    async def run_once(self) -> int:
        """Applies the next batch; returns the last position applied (0: nothing new)."""
        applied, _ = await self._run_batch()
        return applied

    async def _run_batch(self) -> tuple[int, bool]:
        """(last position applied or 0, whether the batch was full). One
        transaction, four round trips plus the projections' own: BEGIN, lock
        and read, the projections, move and notify, COMMIT."""
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                positions, entries, head = await self._lock_and_read(conn)
                full = len(entries) >= self.batch_size
                # Reading only some stream types, a batch that is not full has seen
                # every entry up to the head: the positions move there.
                last = entries[-1].position if entries else 0
                if self.stream_types is not None and not full:
                    last = max(last, head)
                if last <= min(positions.values()):
                    return 0, False
                await self._apply(conn, entries, positions, last)
            # Committed: this process's waiters need not wait for the NOTIFY.
            if self.notify:
                _advance_local_watches(self.pool, last)
            return last, full

    async def _lock_and_read(self, conn: Conn) -> tuple[dict[str, int], list[Entry], int]:
        # FOR UPDATE: a second projector (an overlapping leader) waits here and
        # then starts from the positions this one committed (the locked rows are
        # re-read at their latest version; the ledger is read after them, and
        # any snapshot of it holds a prefix of the positions, so nothing is skipped).
        types = sorted(self.stream_types) if self.stream_types is not None else None
        rows = await conn.fetch(LOCK_AND_READ, self.names, self.batch_size, types)
        if not rows:  # never applied untracked (ensure_tracking makes the rows)
            raise KeyError(f"no projection_tracking rows for {self.names}")
        positions = dict(zip(rows[0]["_names"], rows[0]["_positions"], strict=True))
        if rows[0]["notification_id"] is None:  # tracked, but nothing new
            return positions, [], rows[0]["_head"]
        return positions, [entry_from_row(r) for r in rows], rows[0]["_head"]

    async def _apply(
        self, conn: Conn, entries: list[Entry], positions: dict[str, int], last: int
    ) -> None:
        first = entries[0].position if entries else last
        for projection in self.projections:
            done = positions[projection.name]  # untracked: KeyError, never applied twice
            pending = entries if done < first else [e for e in entries if e.position > done]
            if pending:
                # A pool's proxy forwards every Connection method.
                await projection.apply(cast(asyncpg.Connection, conn), pending)
        # Moving the positions and notifying in one statement (one round trip).
        await conn.execute(MOVE_AND_NOTIFY, self.names, last,
                           PROJECTED_CHANNEL if self.notify else None)

    async def catch_up(self) -> int:
        """Runs batches until the projections reach the ledger's head (a batch
        that was not full read everything committed when it started)."""
        last = 0
        while True:
            position, full = await self._run_batch()
            last = position or last
            if not full:
                return last


class ProjectorLeader:
    """Runs the projector on exactly one instance at a time (advisory lock);
    the others wait and take over within `retry_seconds` when it dies."""

    def __init__(self, projector: Projector, dsn: str, retry_seconds: float = 1.0,
                 keepalives: Mapping[str, str] = SESSION_KEEPALIVES,
                 lock_check_seconds: float = LOCK_CHECK_SECONDS) -> None:
        self.projector = projector
        self.dsn = dsn
        self.retry_seconds = retry_seconds
        self.keepalives = keepalives  # the lock's session, PostgreSQL's side
        self.lock_check_seconds = lock_check_seconds
        self.is_leader = False
        self.failures = 0
        self.on_progress: list[asyncio.Event] = []

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._lead(stop)
            except LOST as exc:
                self.failures += 1
                log.error("projector connection lost, retrying: %r", exc)
            await sleep_or_stop(stop, self.retry_seconds)

    async def _lead(self, stop: asyncio.Event) -> None:
        conn = await lock_session(self.dsn, "passerelle projector leader", self.keepalives)
        try:
            if not await hold_lock(conn, LEADER_LOCK, stop, self.retry_seconds, timeout=10):
                return
            self.is_leader = True
            log.info("this instance now runs the projections")
            wake = asyncio.Event()
            await conn.add_listener(LEDGER_CHANNEL, lambda *_: wake.set())
            await self.projector.ensure_tracking()
            await self._follow(conn, stop, wake)
        finally:
            self.is_leader = False
            await close_or_drop(conn)

    async def _follow(
        self, conn: asyncpg.Connection, stop: asyncio.Event, wake: asyncio.Event
    ) -> None:
        checked = asyncio.get_running_loop().time()
        while not stop.is_set() and not conn.is_closed():
            if asyncio.get_running_loop().time() - checked > self.lock_check_seconds:
                # The lock lives as long as this session: one that ended unseen
                # (the server gave up on a silent client) makes us step down.
                await conn.fetchval("SELECT 1", timeout=10)
                checked = asyncio.get_running_loop().time()
            wake.clear()
            try:
                await self.projector.catch_up()
            except (asyncpg.PostgresError, ValueError, KeyError, TypeError) as exc:
                # Never skip: log loudly, stay at the tracked position, retry.
                self.failures += 1
                log.exception("projection batch failed; retrying: %s", exc)
                await sleep_or_stop(stop, self.retry_seconds)
                continue
            await wait_either(wake, stop, timeout=1.0)


class ProjectionWatch:
    """Knows how far the projections have got, on every instance (NOTIFY from
    the leader, polling as a fallback), so a mutation can wait for its position.
    On the leader's own instance the projector advances it directly as soon as
    a batch commits (a watch and a projector sharing a pool share a process and
    a database), without waiting for its NOTIFY to come back."""

    def __init__(self, pool: asyncpg.Pool, poll_seconds: float = 0.05) -> None:
        self.pool = pool
        self.poll_seconds = poll_seconds
        self.position = 0
        self._waiters = PositionWaiters()
        self._refreshing: asyncio.Future[int] | None = None
        for key in [k for k, refs in _LOCAL_WATCHES.items() if all(r() is None for r in refs)]:
            del _LOCAL_WATCHES[key]  # watches of closed pools
        _LOCAL_WATCHES.setdefault(id(pool), []).append(weakref.ref(self))

    def on_notify(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        self.advance_to(int(str(payload)))

    def advance_to(self, position: int) -> None:
        """Wakes the waiters the new position satisfies (synchronous, on the loop)."""
        if position > self.position:
            self.position = position
            self._waiters.release(position)

    async def advance(self, position: int) -> None:
        self.advance_to(position)

    async def refresh(self) -> int:
        """Reads the position from the database; concurrent callers share one read."""
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.ensure_future(self.read())
            self._refreshing.add_done_callback(leave_error_to_callers)
        return await asyncio.shield(self._refreshing)

    async def read(self) -> int:
        """Reads the position now, sharing no read that started earlier."""
        value = await self.pool.fetchval("SELECT min(position) FROM projection_tracking")
        self.advance_to(value or 0)
        return self.position

    async def wait_for(self, position: int, timeout: float) -> bool:
        """True once every projection has passed `position` (False on timeout)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.position < position:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            woken, timer = self._waiters.add(position, min(self.poll_seconds, remaining))
            try:
                await woken
            finally:
                timer.cancel()
            if self.position < position:  # the poll timer fired: a lost or late NOTIFY
                await self.refresh()
        return True


def leave_error_to_callers(future: asyncio.Future[Any]) -> None:
    """A shared read's error belongs to its callers, even if all were cancelled
    (asyncio would otherwise log it as never retrieved)."""
    if not future.cancelled():
        future.exception()


# Watches by the id of their pool (asyncpg pools take no weak references).
_LOCAL_WATCHES: dict[int, list[weakref.ref[ProjectionWatch]]] = {}


def _advance_local_watches(pool: object, position: int) -> None:
    refs = _LOCAL_WATCHES.get(id(pool))
    if not refs:
        return
    alive = [ref for ref in refs if ref() is not None]
    for ref in alive:
        watch = ref()
        if watch is not None and watch.pool is pool:
            watch.advance_to(position)
    if len(alive) != len(refs):
        _LOCAL_WATCHES[id(pool)] = alive
