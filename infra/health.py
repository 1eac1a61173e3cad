"""Readiness and metrics figures read from the database."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from infra.observability import LEDGER_HEAD, POOL_SIZE, PROJECTION_LAG, PROJECTION_POSITION


@dataclass(frozen=True)
class Progress:
    head: int
    positions: dict[str, int]

    @property
    def lag(self) -> int:
        # No tracking row yet means no projector ever ran here: nothing is projected.
        return self.head - min(self.positions.values(), default=0)


async def progress(pool: asyncpg.Pool, timeout: float = 2.0) -> Progress:
    """The ledger head and each projection's position."""
    async with pool.acquire(timeout=timeout) as conn:
        head = await conn.fetchval(
            "SELECT coalesce(max(notification_id), 0) FROM ledger_events", timeout=timeout)
        rows = await conn.fetch("SELECT name, position FROM projection_tracking", timeout=timeout)
    return Progress(head, {r["name"]: r["position"] for r in rows})


async def update_gauges(pool: asyncpg.Pool) -> Progress:
    p = await progress(pool)
    LEDGER_HEAD.set(p.head)
    PROJECTION_LAG.set(p.lag)
    for name, position in p.positions.items():
        PROJECTION_POSITION.labels(name).set(position)
    POOL_SIZE.labels("open").set(pool.get_size())
    POOL_SIZE.labels("idle").set(pool.get_idle_size())
    return p
