"""A periodic duty that must run in one process at a time across every
instance (recording what time alone decides, such as an agreement's expiry):
the process holding a PostgreSQL advisory lock runs it; the others wait and
take over within `retry_seconds` when that process or its connection dies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from projections.sessions import LOST, hold_lock, lock_session, sleep_or_stop

log = logging.getLogger("passerelle.duty")


@dataclass
class Duty:
    name: str
    lock: int  # advisory lock key, one per duty
    every_seconds: float
    work: Callable[[asyncio.Event], Awaitable[object]]  # given `stop`, to end early
    retry_seconds: float = 5.0
    runs: int = 0  # completed runs in this process (tests, logs)

    async def run(self, dsn: str, stop: asyncio.Event) -> None:
        """Until `stop`: competes for the lock, runs the work every
        `every_seconds` while holding it, starts over when the connection is lost."""
        while not stop.is_set():
            try:
                conn = await lock_session(dsn, f"passerelle duty: {self.name}")
            except LOST as exc:
                log.warning("%s: cannot connect, trying again: %r", self.name, exc)
            else:
                await self._hold_until_lost(conn, stop)
            await sleep_or_stop(stop, self.retry_seconds)

    async def _hold_until_lost(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        # Whatever a session ended under it raises (asyncpg may report a session the
        # server terminated as a protocol error), the connection is dropped for good
        # and the lock competed for again: the work's own failures never reach here.
        try:
            await self._hold(conn, stop)
            await conn.close(timeout=5)
        except Exception as exc:
            log.warning("%s: connection lost, competing again: %r", self.name, exc)
            conn.terminate()

    async def _hold(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        if await hold_lock(conn, self.lock, stop, self.retry_seconds, timeout=10):
            log.info("%s: this process now runs it", self.name)
            await self._repeat(conn, stop)

    async def _repeat(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        # The lock lives as long as the connection: checked before every run.
        while not stop.is_set():
            await conn.fetchval("SELECT 1", timeout=10)
            try:
                await self.work(stop)
            except Exception:  # a failed run is retried at the next, never fatal
                log.exception("%s failed; trying again in %s s", self.name, self.every_seconds)
            else:
                self.runs += 1
            await sleep_or_stop(stop, self.every_seconds)
