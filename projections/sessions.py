"""Connections that must outlive what goes wrong on the network: the helpers
shared by the projector's leader, the periodic duties and the NOTIFY listeners
(the live ledger's and the projections'). Each holder of a lock or a LISTEN
notices a connection lost (LOST), drops it without waiting on a silent server
(close_or_drop), and connects again after a backoff."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

import asyncpg

# An advisory lock, or a row locked in an open transaction, lives as long as the
# server's session: if the client vanishes without closing its connection (a
# crash of its host, a partition), PostgreSQL must notice that the socket is
# dead to end the session and free what it holds. Its keepalive probes do that
# in about a minute instead of the kernel's two hours, and its user timeout when
# what it last sent is still unacknowledged (no probe is sent then; the kernel
# retransmits for about 15 minutes). For every connection that holds a lock.
SESSION_KEEPALIVES = {"tcp_keepalives_idle": "30", "tcp_keepalives_interval": "10",
                      "tcp_keepalives_count": "3", "tcp_user_timeout": "60000"}
# A connection lost, or a server gone: what makes a holder compete again.
LOST = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


async def close_or_drop(conn: asyncpg.Connection) -> None:
    """Closes gracefully (the server frees the lock at once), or drops the
    connection when the server does not answer (cut off: it frees the lock
    once its keepalive probes go unanswered)."""
    try:
        await conn.close(timeout=2)
    except LOST:
        conn.terminate()


class Backoff:
    """How long to wait before connecting again: `first` after a loss, doubling
    while attempts keep failing (an outage: fewer log lines, and no storm of
    connections when the server comes back), at most `most`; `first` again
    once connected."""

    def __init__(self, first: float, most: float = 5.0) -> None:
        self.first, self.most, self._next = first, most, first

    def connected(self) -> None:
        self._next = self.first

    def take(self) -> float:
        seconds, self._next = self._next, min(self.most, self._next * 2)
        return seconds


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def lock_session(dsn: str, name: str,
                       keepalives: Mapping[str, str] = SESSION_KEEPALIVES) -> asyncpg.Connection:
    """A connection to hold an advisory lock on: named, so that pg_stat_activity
    shows who holds it, and probed from the server's side (SESSION_KEEPALIVES)."""
    return await asyncpg.connect(dsn, timeout=10, server_settings={
        **keepalives, "application_name": name})


async def hold_lock(conn: asyncpg.Connection, lock: int, stop: asyncio.Event,
                    retry_seconds: float, timeout: float | None = None) -> bool:
    """Tries the session advisory lock every `retry_seconds` until `conn` holds
    it (True, for as long as the session lasts) or `stop` is set (False)."""
    while not stop.is_set():
        if await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock, timeout=timeout):
            return True
        await sleep_or_stop(stop, retry_seconds)
    return False


async def wait_either(a: asyncio.Event, b: asyncio.Event, timeout: float) -> None:
    """Until `a` or `b` is set, or `timeout` seconds."""
    tasks = [asyncio.ensure_future(a.wait()), asyncio.ensure_future(b.wait())]
    try:
        await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
