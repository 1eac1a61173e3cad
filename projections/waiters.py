"""Waiters for a ledger position, woken only when the position they wait for is
reached (or their poll timer fires). Waking every waiter on every advance, each
then arming a fresh `asyncio.wait_for` task, cost the write path a task per
waiter per projector batch; here an advance pops exactly the waiters it
satisfies, and a waiter costs one future and one timer handle."""

from __future__ import annotations

import asyncio
import heapq
import itertools

_PRUNE_AT = 1024  # stale entries (expired or cancelled) tolerated before a sweep


class PositionWaiters:
    def __init__(self) -> None:
        self._heap: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()  # ties: futures are not comparable

    def add(self, position: int, delay: float) -> tuple[asyncio.Future[None], asyncio.TimerHandle]:
        """A future resolved when `release` reaches `position`, or after `delay`
        seconds (the caller then polls the database); cancel the handle once done."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._heap, (position, next(self._order), future))
        if len(self._heap) > _PRUNE_AT:
            self._prune()
        return future, loop.call_later(delay, _resolve, future)

    def release(self, position: int) -> None:
        """Wakes the waiters of every position up to `position`."""
        while self._heap and self._heap[0][0] <= position:
            _resolve(heapq.heappop(self._heap)[2])

    def __len__(self) -> int:
        return len(self._heap)

    def _prune(self) -> None:
        self._heap = [w for w in self._heap if not w[2].done()]
        heapq.heapify(self._heap)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
