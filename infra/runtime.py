"""The running system's parts and their lifecycle: pools, the write side, the
projector leader, the projection watch and the live ledger broker. Built by server.py."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from infra.eventstore import WriteSide, open_write_side
from infra.live import LiveBroker, LiveLimits
from infra.settings import Settings
from projections.base import PooledConnection, Projection
from projections.engine import PROJECTED_CHANNEL, ProjectionWatch, Projector, ProjectorLeader

log = logging.getLogger("passerelle")


@dataclass
class Runtime:
    settings: Settings
    database_url: str
    pool: asyncpg.Pool
    write: WriteSide
    projector: Projector
    leader: ProjectorLeader
    watch: ProjectionWatch
    live: LiveBroker
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)


async def _watch_connection(database_url: str, watch: ProjectionWatch) -> asyncpg.Connection:
    conn = await asyncpg.connect(database_url)
    await conn.add_listener(PROJECTED_CHANNEL, watch.on_notify)
    await watch.refresh()
    return conn


@contextlib.asynccontextmanager
async def running(
    settings: Settings, database_url: str, projections: Sequence[Projection],
    configure: Callable[[WriteSide], None], *, run_projector: bool = True,
) -> AsyncIterator[Runtime]:
    """Opens everything, starts the projector leader election, closes it all."""
    pool = await asyncpg.create_pool(
        database_url, min_size=2, max_size=settings.db_pool_size,
        server_settings={"statement_timeout": "15000"},
        connection_class=PooledConnection,  # no session reset query per release
        # Fail fast instead of hanging when the database is unreachable or frozen.
        timeout=5, command_timeout=20,
    )
    write = await asyncio.to_thread(open_write_side, database_url, settings.db_pool_size)
    configure(write)
    projector = Projector(pool, projections)
    watch = ProjectionWatch(pool)
    live = LiveBroker(database_url, pool, LiveLimits.from_env(settings))
    runtime = Runtime(settings, database_url, pool, write, projector,
                      ProjectorLeader(projector, database_url), watch, live)
    listener = await _watch_connection(database_url, watch)
    if run_projector:
        runtime.tasks.append(asyncio.create_task(runtime.leader.run(runtime.stop)))
    try:
        yield runtime
    finally:
        runtime.stop.set()
        for task in runtime.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=5)
        await live.stop()
        await listener.close()
        await pool.close()
        await asyncio.to_thread(write.close)
