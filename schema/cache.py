"""A response cache that knows exactly when the read models change.

Every read model is a function of the ledger prefix the projections have
applied, so a query's answer for one viewer cannot change until that position
moves. Entries are keyed by (document, variables, operation, viewer) and tagged
with the projected position; a lookup first reads the position from
`projection_tracking` (one indexed row read, shared by every instance, which
keeps read-your-writes across instances; concurrent lookups share a read that
started after they arrived) and drops entries of older positions.
A short TTL bounds what depends on the clock rather than the ledger (a call's
deadline passing, an event starting)."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Any

import asyncpg
import orjson

POSITION = "SELECT min(position) FROM projection_tracking"
# Keys hold the document and variables: without a bound, 20,000 distinct
# near-megabyte requests would keep gigabytes alive. Larger requests are not cached.
MAX_KEY_CHARS = 16_384


class ResponseCache:
    def __init__(self, max_entries: int = 20_000, ttl_seconds: float = 1.0) -> None:
        self.max_entries = max_entries
        self.ttl = ttl_seconds
        self.entries: OrderedDict[str, tuple[int, float, dict[str, Any]]] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self._next: asyncio.Future[int] | None = None  # callers of the next read
        self._reader: asyncio.Future[None] | None = None

    @staticmethod
    def key(document: str, variables: dict[str, Any] | None, name: str | None,
            actor: Any) -> str:
        viewer = (actor.role.value, actor.user_id, sorted(str(o) for o in actor.integrator_orgs)) \
            if actor else None
        return orjson.dumps([document, variables, name, viewer],
                            option=orjson.OPT_SORT_KEYS).decode()

    async def position(self, pool: asyncpg.Pool) -> int:
        """The projected position, read by a query that STARTED after this call:
        a mutation that returned before this request arrived (on any instance)
        is in it. Concurrent callers share reads: while one read is in flight,
        newcomers wait for the next one, so under load one indexed read serves
        every request that arrived during the previous one."""
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            self._next.add_done_callback(_consume)
            if self._reader is None:
                self._reader = asyncio.ensure_future(self._read_positions(pool))
        return await asyncio.shield(self._next)

    async def _read_positions(self, pool: asyncpg.Pool) -> None:
        try:
            while (waiting := self._next) is not None:
                self._next = None  # later callers wait for the next read
                try:
                    waiting.set_result(int(await pool.fetchval(POSITION) or 0))
                except Exception as exc:  # the callers get it (503 when the db is down)
                    waiting.set_exception(exc)
        finally:
            self._reader = None

    def get(self, key: str, position: int) -> dict[str, Any] | None:
        found = self.entries.get(key)
        if found is None or found[0] != position or found[1] < time.monotonic():
            self.misses += 1
            return None
        self.hits += 1
        return found[2]

    def put(self, key: str, position: int, body: dict[str, Any]) -> None:
        if len(key) > MAX_KEY_CHARS:
            return
        self.entries[key] = (position, time.monotonic() + self.ttl, body)
        self.entries.move_to_end(key)
        if len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)


def _consume(future: asyncio.Future[int]) -> None:
    """A read's error is its callers'; never an 'exception never retrieved'."""
    if not future.cancelled():
        future.exception()
