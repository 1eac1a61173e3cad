"""One query for the loads of the same kind that requests ask in the same
loop iteration.

Each request has its own DataLoaders (their cache must not outlive the
request), so concurrent requests each ran their own query for the same kind
of row: under 16 writing clients, group commit and the projector release
several mutations at once, and each read its payload with a query of its
own. Here the batches of every request that arrive in one loop iteration are
merged into one query on one pooled connection, and each request takes its
keys from the result. Nothing is cached: a request's keys are read by a
query that starts after it asked (after its mutation's wait for the
projections, so read-your-writes holds).

A failed query fails the loads of every request that shared it; a request
cancelled while waiting does not cancel the query for the others. The query
runs in a context of its own, not in the first asker's: no request's context
variables (correlation id, actor) reach work done for the others. The rows
it returns are shared by those requests: never change a loaded value."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, cast

import asyncpg

from projections.engine import leave_error_to_callers

BatchQuery = Callable[[asyncpg.Connection, list[Any]], Awaitable[dict[Any, Any]]]


class _Batch:
    """The keys asked so far in this loop iteration, and the shared result."""

    __slots__ = ("keys", "result")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.keys: dict[Hashable, None] = {}  # ordered, without duplicates
        self.result: asyncio.Future[dict[Any, Any]] = loop.create_future()


_OPEN: dict[tuple[asyncpg.Pool, BatchQuery], _Batch] = {}
_RUNNING: set[asyncio.Task[None]] = set()  # strong references until done


async def load(pool: asyncpg.Pool, query: BatchQuery, keys: list[Any]) -> dict[Any, Any]:
    """`query(conn, keys)`, run once for every caller of this loop iteration."""
    slot = (pool, query)
    batch = _OPEN.get(slot)
    if batch is None:
        loop = asyncio.get_running_loop()
        batch = _OPEN[slot] = _Batch(loop)
        loop.call_soon(_close, slot, batch)
    batch.keys.update(dict.fromkeys(keys))
    return await asyncio.shield(batch.result)


def _close(slot: tuple[asyncpg.Pool, BatchQuery], batch: _Batch) -> None:
    del _OPEN[slot]
    task = asyncio.get_running_loop().create_task(_run(*slot, batch),
                                                  context=contextvars.Context())
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)


async def _run(pool: asyncpg.Pool, query: BatchQuery, batch: _Batch) -> None:
    batch.result.add_done_callback(leave_error_to_callers)
    try:
        async with pool.acquire() as conn:
            # A pool's proxy forwards every Connection method.
            found = await query(cast(asyncpg.Connection, conn), list(batch.keys))
    except Exception as exc:
        batch.result.set_exception(exc)
    except BaseException:  # cancelled (the loop is closing): so are the callers
        batch.result.cancel()
        raise
    else:
        batch.result.set_result(found)
