"""What one subscriber holds of the live ledger: its bounded feed of shared
entries, and the tunables (PASSERELLE_* variables). Split from infra/live.py,
which re-exports these names."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any
from uuid import UUID

from projections.entries import Entry


@dataclass(frozen=True)
class LiveLimits:
    """Tunables, from PASSERELLE_* variables (or Settings fields of the same name)."""

    max_subscriptions_per_connection: int = 20
    buffer_entries: int = 10_000  # unsent entries a subscriber may hold before it is cut off
    batch_size: int = 500  # rows per read, live and catch-up
    poll_seconds: float = 2.0  # re-read even without NOTIFY (belt and braces)
    gc_freeze: int = 1  # freeze the heap on new subscriber highs (infra/live_gc.py); 0: off

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


class LiveFeed:
    """One subscriber's bounded buffer. The broker only ever `offer`s (never
    waits), so a slow subscriber slows no one; past `limit` unsent entries the
    buffer is dropped and the feed marked overflowed: the subscriber learns it
    when it next asks for a batch."""

    # Slots and a list (not a deque: ~600 bytes empty) because an idle
    # subscriber's memory is mostly objects like this one, times 1,000.
    __slots__ = ("_batches", "_pending", "_waiter", "limit", "overflowed")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.overflowed = False
        self._batches: list[Sequence[LiveEntry]] = []  # a few at most, while the task runs
        self._pending = 0
        # A bare future rather than an asyncio.Event: with 1,000 feeds woken per
        # commit, Event.set/wait's bookkeeping was 10 % of the fan-out.
        self._waiter: asyncio.Future[None] | None = None

    def offer(self, batch: Sequence[LiveEntry]) -> bool:
        """Queues a batch; False (and overflowed) when that would pass the limit."""
        if self.overflowed:
            return False
        if self._pending + len(batch) > self.limit:
            self.overflowed = True
            self._batches.clear()
            self._pending = 0
            self._wake()
            return False
        self._batches.append(batch)
        self._pending += len(batch)
        self._wake()
        return True

    def _wake(self) -> None:
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
        batch = self._batches.pop(0)
        self._pending -= len(batch)
        return batch
