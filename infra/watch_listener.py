"""The projections' NOTIFY, heard by each process's ProjectionWatch on a
connection that is reopened whenever it is lost.

A mutation waits until the projections have passed its position (read your
writes). The projector's NOTIFY wakes it as soon as the batch commits; the
watch's 50 ms poll is only the net for a notification lost. Before, a
listener lost once (PostgreSQL restarted, a partition) was never reopened:
every later mutation of that process waited for the poll instead."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from projections.engine import PROJECTED_CHANNEL, ProjectionWatch
from projections.sessions import LOST, Backoff, close_or_drop, sleep_or_stop, wait_either

log = logging.getLogger("passerelle.projections.watch")
LISTENER_NAME = "passerelle projections watch"  # in pg_stat_activity
CHECK_SECONDS = 5.0  # a quiet connection is read this often: a silent one times out


async def listen_for_projections(dsn: str, watch: ProjectionWatch, stop: asyncio.Event, *,
                                 timeout_seconds: float, retry_seconds: float = 0.5,
                                 check_seconds: float = CHECK_SECONDS) -> None:
    """Until `stop`: listens, and on any loss connects again (after
    `retry_seconds`, doubling while attempts fail), reading the position first
    in case a NOTIFY was missed."""
    backoff = Backoff(retry_seconds)
    while not stop.is_set():
        try:
            await _listen(dsn, watch, stop, timeout_seconds, check_seconds, backoff)
        except LOST as exc:
            log.warning("projections watch listener lost, reconnecting: %r", exc)
        except Exception:  # asyncpg may report a session ended as a protocol error
            log.exception("projections watch listener failed, reconnecting")
        await sleep_or_stop(stop, backoff.take())


async def _listen(dsn: str, watch: ProjectionWatch, stop: asyncio.Event,
                  timeout_seconds: float, check_seconds: float, backoff: Backoff) -> None:
    conn = await asyncpg.connect(dsn, timeout=timeout_seconds, command_timeout=timeout_seconds,
                                 server_settings={"application_name": LISTENER_NAME})
    try:
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(PROJECTED_CHANNEL, watch.on_notify)
        await watch.read()  # what was projected while no one listened, read after LISTEN
        backoff.connected()
        while not stop.is_set():
            await wait_either(lost, stop, check_seconds)
            if lost.is_set() or conn.is_closed():
                raise ConnectionResetError("the listening connection was closed")
            if not stop.is_set():
                await conn.fetchval("SELECT 1")  # cut off: times out, and we reconnect
    finally:
        await close_or_drop(conn)
