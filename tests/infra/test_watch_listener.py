"""The projections' NOTIFY reaches each process's watch again after its
listening connection is lost (infra/watch_listener.py): before, a listener
lost once was never reopened, and every later mutation of that process
waited for the watch's poll instead of the projector's NOTIFY."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from infra.watch_listener import LISTENER_NAME, listen_for_projections
from projections.engine import PROJECTED_CHANNEL, ProjectionWatch
from projections.sessions import Backoff
from tests.support.servers import free_port

SESSION = ("SELECT pid FROM pg_stat_activity WHERE application_name = $1"
           " AND datname = current_database()")


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    yield pool
    await pool.close()


async def listening_session(pool: asyncpg.Pool, other_than: int | None = None) -> int:
    """The listener's backend pid, once it has one (other than `other_than`)."""
    async with asyncio.timeout(10):
        while True:
            pid = await pool.fetchval(SESSION, LISTENER_NAME)
            if pid is not None and pid != other_than:
                return int(pid)
            await asyncio.sleep(0.05)


async def notified(pool: asyncpg.Pool, watch: ProjectionWatch, position: int) -> None:
    """NOTIFYs `position` until the watch has it (a listener that has just
    connected may register its LISTEN a moment after its session shows)."""
    async with asyncio.timeout(10):
        while watch.position < position:
            await pool.execute("SELECT pg_notify($1, $2)", PROJECTED_CHANNEL, str(position))
            await asyncio.sleep(0.1)


async def test_a_lost_listener_is_reopened_and_hears_the_projections_again(
    pool: asyncpg.Pool, database_url: str,
) -> None:
    watch = ProjectionWatch(pool, poll_seconds=3600)  # NOTIFY only: no poll in time
    stop = asyncio.Event()
    task = asyncio.create_task(listen_for_projections(
        database_url, watch, stop, timeout_seconds=5, retry_seconds=0.05))
    try:
        first = await listening_session(pool)
        await notified(pool, watch, 7)
        await pool.execute("SELECT pg_terminate_backend($1)", first)
        await listening_session(pool, other_than=first)
        await notified(pool, watch, 9)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert watch.position == 9


async def test_it_stops_when_told_and_leaves_no_session(
    pool: asyncpg.Pool, database_url: str,
) -> None:
    watch = ProjectionWatch(pool)
    stop = asyncio.Event()
    task = asyncio.create_task(listen_for_projections(
        database_url, watch, stop, timeout_seconds=5, check_seconds=0.05))
    await listening_session(pool)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    async with asyncio.timeout(10):
        while await pool.fetchval(SESSION, LISTENER_NAME) is not None:
            await asyncio.sleep(0.05)


def test_the_backoff_doubles_up_to_its_most_and_starts_over_once_connected() -> None:
    backoff = Backoff(0.5, most=3.0)
    assert [backoff.take() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.connected()
    assert backoff.take() == 0.5


async def test_reconnecting_to_a_server_that_refuses_backs_off(
    pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing listens on the port: every attempt fails at once. Waiting 0.05,
    0.1, 0.2, 0.4 then 0.8 s makes about 6 attempts in 1.6 s, not 30."""
    watch, stop = ProjectionWatch(pool), asyncio.Event()
    task = asyncio.create_task(listen_for_projections(
        f"postgresql://postgres@127.0.0.1:{free_port()}/none", watch, stop,
        timeout_seconds=1, retry_seconds=0.05))
    await asyncio.sleep(1.6)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert 3 <= caplog.text.count("listener lost") <= 8, caplog.text
