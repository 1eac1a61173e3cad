"""The projector: follows the ledger in position order and applies each batch
to every projection, committing rows and tracking positions in one transaction,
so a crash at any point never skips or double-applies an entry."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import cast

import asyncpg

from projections.base import Conn, Projection
from projections.entries import ENTRY_COLUMNS, Entry, entry_from_row

log = logging.getLogger("passerelle.projector")

LEDGER_CHANNEL = "passerelle_ledger"
PROJECTED_CHANNEL = "passerelle_projected"
LEADER_LOCK = 0x5A55E4E11E  # advisory lock key: one projector leader per database


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

    async def ensure_tracking(self) -> None:
        await self.pool.executemany(
            "INSERT INTO projection_tracking (name) VALUES ($1) ON CONFLICT DO NOTHING",
            [(n,) for n in self.names],
        )

    async def run_once(self) -> int:
        """Applies the next batch; returns the last position applied (0: nothing new)."""
        async with self.pool.acquire() as conn, conn.transaction():
            # FOR UPDATE: a second projector (an overlapping leader) waits here
            # and then starts from the positions this one committed.
            tracked = await conn.fetch(
                "SELECT name, position FROM projection_tracking WHERE name = ANY($1::text[])"
                " ORDER BY name FOR UPDATE", self.names,
            )
            positions = {r["name"]: r["position"] for r in tracked}
            entries = await self._read(conn, min(positions.values(), default=0))
            if not entries:
                return 0
            await self._apply(conn, entries, positions)
            return entries[-1].position

    async def _read(self, conn: Conn, after: int) -> list[Entry]:
        rows = await conn.fetch(
            f"SELECT {ENTRY_COLUMNS} FROM ledger_events WHERE notification_id > $1"
            " ORDER BY notification_id LIMIT $2", after, self.batch_size,
        )
        return [entry_from_row(r) for r in rows]

    async def _apply(
        self, conn: Conn, entries: list[Entry], positions: dict[str, int]
    ) -> None:
        last = entries[-1].position
        for projection in self.projections:
            pending = [e for e in entries if e.position > positions[projection.name]]
            if pending:
                # A pool's proxy forwards every Connection method.
                await projection.apply(cast(asyncpg.Connection, conn), pending)
        await conn.execute(
            "UPDATE projection_tracking SET position = $2, updated_at = now()"
            " WHERE name = ANY($1::text[]) AND position < $2", self.names, last,
        )
        if self.notify:
            await conn.execute("SELECT pg_notify($1, $2)", PROJECTED_CHANNEL, str(last))

    async def catch_up(self) -> int:
        """Runs batches until the projections reach the ledger's head."""
        last = 0
        while position := await self.run_once():
            last = position
        return last


class ProjectorLeader:
    """Runs the projector on exactly one instance at a time (advisory lock);
    the others wait and take over within `retry_seconds` when it dies."""

    def __init__(self, projector: Projector, dsn: str, retry_seconds: float = 1.0) -> None:
        self.projector = projector
        self.dsn = dsn
        self.retry_seconds = retry_seconds
        self.is_leader = False
        self.failures = 0
        self.on_progress: list[asyncio.Event] = []

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._lead(stop)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self.failures += 1
                log.error("projector connection lost, retrying: %s", exc)
            self.is_leader = False
            await _sleep_or_stop(stop, self.retry_seconds)

    async def _lead(self, stop: asyncio.Event) -> None:
        conn = await asyncpg.connect(self.dsn)
        try:
            while not stop.is_set():
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK):
                    break
                await _sleep_or_stop(stop, self.retry_seconds)
            else:
                return
            self.is_leader = True
            log.info("this instance now runs the projections")
            wake = asyncio.Event()
            await conn.add_listener(LEDGER_CHANNEL, lambda *_: wake.set())
            await self.projector.ensure_tracking()
            await self._follow(conn, stop, wake)
        finally:
            await conn.close()

    async def _follow(
        self, conn: asyncpg.Connection, stop: asyncio.Event, wake: asyncio.Event
    ) -> None:
        while not stop.is_set() and not conn.is_closed():
            wake.clear()
            try:
                await self.projector.catch_up()
            except (asyncpg.PostgresError, ValueError, KeyError, TypeError) as exc:
                # Never skip: log loudly, stay at the tracked position, retry.
                self.failures += 1
                log.exception("projection batch failed; retrying: %s", exc)
                await _sleep_or_stop(stop, self.retry_seconds)
                continue
            await _wait_either(wake, stop, timeout=1.0)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _wait_either(a: asyncio.Event, b: asyncio.Event, timeout: float) -> None:
    tasks = [asyncio.ensure_future(a.wait()), asyncio.ensure_future(b.wait())]
    try:
        await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


class ProjectionWatch:
    """Knows how far the projections have got, on every instance (NOTIFY from
    the leader, polling as a fallback), so a mutation can wait for its position."""

    def __init__(self, pool: asyncpg.Pool, poll_seconds: float = 0.05) -> None:
        self.pool = pool
        self.poll_seconds = poll_seconds
        self.position = 0
        self._changed = asyncio.Condition()

    def on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        asyncio.get_running_loop().create_task(self.advance(int(payload)))

    async def advance(self, position: int) -> None:
        if position > self.position:
            async with self._changed:
                self.position = max(self.position, position)
                self._changed.notify_all()

    async def refresh(self) -> int:
        value = await self.pool.fetchval("SELECT min(position) FROM projection_tracking")
        await self.advance(value or 0)
        return self.position

    async def wait_for(self, position: int, timeout: float) -> bool:
        """True once every projection has passed `position` (False on timeout)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.position < position:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            timed_out = False
            async with self._changed:
                try:
                    await asyncio.wait_for(self._changed.wait(), min(self.poll_seconds, remaining))
                except TimeoutError:
                    timed_out = True
            if timed_out:  # a lost or late NOTIFY: ask the database
                await self.refresh()
        return True
