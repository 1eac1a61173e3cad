"""Group commit for the threads that record commands: while one thread's
batch is in the database, the commands that arrive wait, and the next batch
takes them all at once (one transaction, one ledger lock, one WAL flush).

No thread of its own and no timer: the first caller leads, and a leader that
finishes hands the lead to the oldest waiter, which takes the queue (itself
included). A command that arrives while nothing is in flight goes at once,
alone, so an idle system pays nothing for this."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 64  # commands per transaction: bounds the lock's hold and one result's size


class _Waiter(Generic[T, R]):
    __slots__ = ("done", "error", "item", "leads", "result")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = threading.Event()
        self.leads = False
        self.result: R | None = None
        self.error: BaseException | None = None

    def outcome(self) -> R:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]


class GroupCommit(Generic[T, R]):
    """`submit(item)` returns what `run(batch)` gave for that item, in the
    caller's thread; `run` gets the items in arrival order and returns one
    result or exception per item."""

    def __init__(self, run: Callable[[Sequence[T]], Sequence[R | BaseException]],
                 max_batch: int = MAX_BATCH) -> None:
        self._run = run
        self._max_batch = max_batch
        self._mutex = threading.Lock()
        self._queue: list[_Waiter[T, R]] = []
        self._busy = False

    def submit(self, item: T) -> R:
        me: _Waiter[T, R] = _Waiter(item)
        with self._mutex:
            self._queue.append(me)
            leads = not self._busy
            self._busy = True
        if not leads:
            me.done.wait()
            if not me.leads:
                return me.outcome()
        self._lead()
        return me.outcome()

    def _lead(self) -> None:
        with self._mutex:
            batch = self._queue[:self._max_batch]
            del self._queue[:self._max_batch]
        try:
            self._settle(batch)
        finally:
            with self._mutex:
                if self._queue:
                    successor = self._queue[0]
                    successor.leads = True
                    successor.done.set()
                else:
                    self._busy = False

    def _settle(self, batch: list[_Waiter[T, R]]) -> None:
        try:
            outcomes = self._run([waiter.item for waiter in batch])
        except BaseException as exc:  # the whole batch failed: each caller raises it
            outcomes = [exc] * len(batch)
        for waiter, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                waiter.error = outcome
            else:
                waiter.result = outcome
            waiter.done.set()
