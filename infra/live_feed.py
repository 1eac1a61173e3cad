"""What one subscriber holds of the live ledger: its bounded feed of shared
entries, and the tunables (PASSERELLE_* variables). Split from infra/live.py,
which re-exports these names."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any
from uuid import UUID

from projections.entries import Entry

log = logging.getLogger("passerelle.live")


@dataclass(frozen=True)
class LiveLimits:
    """Tunables, from PASSERELLE_* variables (or Settings fields of the same name)."""

    max_subscriptions_per_connection: int = 20
    buffer_entries: int = 10_000  # unsent entries a subscriber may hold before it is cut off
    batch_size: int = 500  # rows per read, live and catch-up
    poll_seconds: float = 2.0  # re-read even without NOTIFY (belt and braces)
    gc_freeze: int = 1  # freeze the heap on new subscriber highs (infra/live_gc.py); 0: off
    direct: int = 1  # send known results from the broker's turn (schema/live/direct.py); 0: off

    @classmethod
    def from_env(cls, settings: Any = None) -> LiveLimits:
        values: dict[str, Any] = {}
        for f in fields(cls):
            env = _env_name(f.name)
            raw = getattr(settings, env.removeprefix("PASSERELLE_").lower(), None)
            raw = raw if raw is not None else os.environ.get(env)
            if raw is not None:
                values[f.name] = type(getattr(cls, f.name))(raw)
        return cls(**values)


def _env_name(name: str) -> str:
    """PASSERELLE_MAX_SUBSCRIPTIONS_PER_CONNECTION, PASSERELLE_LIVE_BUFFER_ENTRIES..."""
    prefix = "" if name.startswith("max_") else "LIVE_"  # PASSERELLE_LIVE_GC_FREEZE too
    return f"PASSERELLE_{prefix}{name.upper()}"


@dataclass(frozen=True, slots=True)
class LiveEntry:
    """An entry with the organisations party to its stream. One object per
    entry is handed to every subscriber of the instance; `memo` lets them share
    the work of presenting it (built once, sent many times)."""

    entry: Entry
    parties: frozenset[UUID]
    memo: dict[str, Any] = field(default_factory=dict, compare=False)


class FellBehindError(Exception):
    """A subscriber's buffer overflowed: it must resume from its last position."""


# A subscriber's way to take entries without its task (schema/live/direct.py):
# given a batch and where to start in it, while the subscriber is idle, it sends
# what it can and says where it stopped (len(batch): everything taken), and
# whether the subscriber waits for a result being computed (True: `resume`
# follows) or its task must be woken for the rest.
Taker = Callable[[Sequence["LiveEntry"], int], tuple[int, bool]]


class LiveFeed:
    """One subscriber's bounded buffer. The broker only ever `offer`s (never
    waits), so a slow subscriber slows no one; past `limit` unsent entries the
    buffer is dropped and the feed marked overflowed: the subscriber learns it
    when it next asks for a batch.

    With a `taker`, an idle subscriber (its task waiting here, nothing queued)
    is offered the batch through it first: entries it takes never wake the task."""

    # Slots and a list (not a deque: ~600 bytes empty) because an idle
    # subscriber's memory is mostly objects like this one, times 1,000.
    __slots__ = ("_batches", "_pending", "_start", "_waiter", "limit", "overflowed", "parked",
                 "taker")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.overflowed = False
        self.taker: Taker | None = None
        self.parked = False  # waiting, entries queued, for another subscriber's result
        self._batches: list[Sequence[LiveEntry]] = []  # a few at most, while the task runs
        self._start = 0  # entries of the first batch already taken (not copied off)
        self._pending = 0
        # A bare future rather than an asyncio.Event: with 1,000 feeds woken per
        # commit, Event.set/wait's bookkeeping was 10 % of the fan-out.
        self._waiter: asyncio.Future[None] | None = None

    def offer(self, batch: Sequence[LiveEntry]) -> bool:
        """Queues a batch; False (and overflowed) when that would pass the limit."""
        if self.overflowed:
            return False
        taken, park = 0, False
        if self.taker is not None and not self._batches and self._idle():
            taken, park = self._take(batch, 0)
            if taken == len(batch):
                return True
        if self._pending + len(batch) - taken > self.limit:
            self.overflowed = True
            self._batches.clear()
            self._start = self._pending = 0
            self._wake()
            return False
        if not self._batches:
            self._start = taken
        self._batches.append(batch)
        self._pending += len(batch) - taken
        if park:
            self.parked = True
        else:
            self._wake()
        return True

    def resume(self) -> None:
        """The result this feed was parked on is known (or will not be shared):
        the taker sends what it can of the queue; the task is woken for the rest."""
        if not self.parked:
            return
        self.parked = False
        while self._batches and self._idle():
            batch = self._batches[0]
            stopped, park = self._take(batch, self._start)
            self._pending -= stopped - self._start
            self._start = stopped
            if stopped < len(batch):
                if park:
                    self.parked = True
                    return
                break
            self._batches.pop(0)
            self._start = 0
        if self._batches:
            self._wake()

    def _take(self, batch: Sequence[LiveEntry], start: int) -> tuple[int, bool]:
        """The taker's answer; should it fail, the task takes the rest of the batch
        (it drops what was sent already): the broker's loop and the subscriber
        computing a result run takers, and must go on for everyone else."""
        assert self.taker is not None
        try:
            stopped, park = self.taker(batch, start)
        except Exception:
            log.exception("a live subscriber's direct delivery failed; its task takes over")
            return start, False
        return stopped, park

    def unpark(self, position: int) -> None:
        """Wakes the task of a feed still parked on an entry at or before
        `position` (the broker's safety net, for one batch: later ones have theirs)."""
        if self.parked and self._batches and (
                self._batches[0][self._start].entry.position <= position):
            self._wake()

    @property
    def woken(self) -> bool:
        """Its task was woken and has not run yet."""
        waiter = self._waiter
        return waiter is not None and waiter.done()

    def _idle(self) -> bool:
        waiter = self._waiter
        return waiter is not None and not waiter.done()

    def _wake(self) -> None:
        self.parked = False
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def next_batch(self) -> Sequence[LiveEntry]:
        while not self._batches:
            if self.overflowed:
                raise FellBehindError(f"more than {self.limit} entries unsent")
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        batch, start = self._batches.pop(0), self._start
        self._start = 0
        self._pending -= len(batch) - start
        return batch[start:] if start else batch
