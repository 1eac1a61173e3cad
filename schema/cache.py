"""A response cache that knows exactly when the read models change.

Every read model is a function of the ledger prefix the projections have
applied, so a query's answer for one viewer cannot change until that position
moves. Entries are keyed by (document, variables, operation, viewer) and tagged
with the projected position; a lookup first reads the position from
`projection_tracking` (one indexed row read, shared by every instance, which
keeps read-your-writes across instances) and drops entries of older positions.
A short TTL bounds what depends on the clock rather than the ledger (a call's
deadline passing, an event starting)."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

import asyncpg
import orjson

POSITION = "SELECT min(position) FROM projection_tracking"


class ResponseCache:
    def __init__(self, max_entries: int = 20_000, ttl_seconds: float = 1.0) -> None:
        self.max_entries = max_entries
        self.ttl = ttl_seconds
        self.entries: OrderedDict[str, tuple[int, float, dict[str, Any]]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(document: str, variables: dict[str, Any] | None, name: str | None,
            actor: Any) -> str:
        viewer = (actor.role.value, actor.user_id, sorted(str(o) for o in actor.integrator_orgs)) \
            if actor else None
        return orjson.dumps([document, variables, name, viewer],
                            option=orjson.OPT_SORT_KEYS).decode()

    @staticmethod
    async def position(pool: asyncpg.Pool) -> int:
        return int(await pool.fetchval(POSITION) or 0)

    def get(self, key: str, position: int) -> dict[str, Any] | None:
        found = self.entries.get(key)
        if found is None or found[0] != position or found[1] < time.monotonic():
            self.misses += 1
            return None
        self.hits += 1
        return found[2]

    def put(self, key: str, position: int, body: dict[str, Any]) -> None:
        self.entries[key] = (position, time.monotonic() + self.ttl, body)
        self.entries.move_to_end(key)
        if len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)
