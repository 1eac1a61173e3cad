"""A periodic duty runs in one process at a time (a PostgreSQL advisory lock),
and another takes over when that one stops; a failed run is not fatal."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from infra.duty import Duty

LOCK = 0x7E57D0  # this test's own advisory lock key


def counting(name: str, every: float = 0.02, fail_first: bool = False) -> Duty:
    attempts = 0

    async def work() -> None:
        nonlocal attempts
        attempts += 1
        if fail_first and attempts == 1:
            raise RuntimeError("the first run fails")

    return Duty(name, LOCK, every, work, retry_seconds=0.05)


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)


async def test_one_process_at_a_time_runs_the_duty_and_another_takes_over(
    database_url: str,
) -> None:
    first, second = counting("first"), counting("second")
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    running = [asyncio.create_task(first.run(database_url, stop_first))]
    await until(lambda: first.runs >= 3)
    running.append(asyncio.create_task(second.run(database_url, stop_second)))
    await asyncio.sleep(0.5)  # ten retry periods: the second never gets the lock
    assert second.runs == 0 and first.runs > 3
    stop_first.set()
    await running[0]
    await until(lambda: second.runs >= 3)
    stop_second.set()
    await running[1]


async def test_a_failed_run_is_logged_and_the_next_one_runs(database_url: str) -> None:
    duty = counting("flaky", fail_first=True)
    stop = asyncio.Event()
    task = asyncio.create_task(duty.run(database_url, stop))
    await until(lambda: duty.runs >= 2)
    stop.set()
    await task
