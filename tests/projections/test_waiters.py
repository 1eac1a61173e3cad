"""Position waiters: an advance wakes exactly the waiters it satisfies; the poll
timer wakes the others; cancelled and expired waiters do not pile up."""

from __future__ import annotations

import asyncio

from projections import waiters
from projections.waiters import PositionWaiters


async def test_an_advance_wakes_only_the_waiters_it_satisfies() -> None:
    pending = PositionWaiters()
    low, low_timer = pending.add(5, delay=30)
    high, high_timer = pending.add(9, delay=30)
    pending.release(7)
    await asyncio.sleep(0)
    assert low.done() and not high.done()
    pending.release(9)
    assert high.done() and len(pending) == 0
    low_timer.cancel()
    high_timer.cancel()


async def test_the_poll_timer_wakes_a_waiter_no_advance_reached() -> None:
    pending = PositionWaiters()
    woken, _timer = pending.add(3, delay=0.01)
    await asyncio.wait_for(woken, 5)
    pending.release(3)  # a late advance finds it already woken: no error
    assert len(pending) == 0


async def test_stale_waiters_are_swept() -> None:
    pending = PositionWaiters()
    for _ in range(waiters._PRUNE_AT):
        future, timer = pending.add(100, delay=30)
        future.cancel()  # a mutation whose request was cancelled
        timer.cancel()
    live, timer = pending.add(100, delay=30)
    assert len(pending) == 1  # the sweep kept only the waiter still waiting
    pending.release(100)
    assert live.done()
    timer.cancel()
