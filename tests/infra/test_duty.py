"""A periodic duty runs in one process at a time (a PostgreSQL advisory lock),
and another takes over when that one stops; a failed run is not fatal."""

from __future__ import annotations

import asyncio

import asyncpg

from infra.duty import Duty
from infra.settings import Settings
from server import create_app
from tests.support.waiting import eventually
from wiring import Slice
from wiring.slices import all_slices

LOCK = 0x7E57D0  # this test's own advisory lock key


def counting(name: str, every: float = 0.02, fail_first: bool = False) -> Duty:
    attempts = 0

    async def work(_stop: asyncio.Event) -> None:
        nonlocal attempts
        attempts += 1
        if fail_first and attempts == 1:
            raise RuntimeError("the first run fails")

    return Duty(name, LOCK, every, work, retry_seconds=0.05)


async def test_one_process_at_a_time_runs_the_duty_and_another_takes_over(
    database_url: str,
) -> None:
    first, second = counting("first"), counting("second")
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    running = [asyncio.create_task(first.run(database_url, stop_first))]
    await eventually(lambda: first.runs >= 3)
    running.append(asyncio.create_task(second.run(database_url, stop_second)))
    await asyncio.sleep(0.5)  # ten retry periods: the second never gets the lock
    assert second.runs == 0 and first.runs > 3
    stop_first.set()
    await running[0]
    await eventually(lambda: second.runs >= 3)
    stop_second.set()
    await running[1]


async def test_a_holder_whose_session_ends_stops_and_competes_again(database_url: str) -> None:
    duty = counting("cut off")
    stop = asyncio.Event()
    task = asyncio.create_task(duty.run(database_url, stop))
    await eventually(lambda: duty.runs >= 2)
    conn = await asyncpg.connect(database_url)
    try:
        ended = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'passerelle duty: cut off'")
        assert ended == 1
        runs = duty.runs
        # Each run first checks its session: runs go on only from a new one.
        await eventually(lambda: duty.runs >= runs + 2)
    finally:
        await conn.close()
    stop.set()
    await task


async def test_a_failed_run_is_logged_and_the_next_one_runs(database_url: str) -> None:
    duty = counting("flaky", fail_first=True)
    stop = asyncio.Event()
    task = asyncio.create_task(duty.run(database_url, stop))
    await eventually(lambda: duty.runs >= 2)
    stop.set()
    await task


async def test_a_run_that_outlasts_the_shutdown_is_cancelled_and_the_rest_closes(
    settings: Settings,
) -> None:
    started = asyncio.Event()

    async def endless(_stop: asyncio.Event) -> None:  # ignores `stop`, as a stuck run would
        started.set()
        await asyncio.sleep(3600)

    hanging = Slice(name="hanging", duties=lambda *_: [Duty("endless", LOCK, 60, endless)])
    assert settings.database_url
    app = create_app(settings, settings.database_url, slices=[*all_slices(), hanging])
    async with app.router.lifespan_context(app):
        await asyncio.wait_for(started.wait(), timeout=10)
        pool = app.state.runtime.pool
    # Leaving the lifespan raised nothing, and closed the pool after the stuck run.
    assert pool.is_closing()
