"""The rebuild engine: one reader fetches and decodes each ledger batch once
and hands it to one lane per projection; each lane folds it on a connection of
its own, committing its rows and its tracking position in one transaction.

While one lane waits for PostgreSQL, the reader and the other lanes run, so
the Python process and the database work at the same time (on two cores:
both of them). Memory stays constant: a lane's queue holds at most `depth`
batches, and the reader waits for the slowest lane.

Exactly-once as in the live projector: a lane skips the entries at or below
its tracked position, and moves that position in the transaction of the rows;
a lane that fails stops the replay (its work up to its last commit stays)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import asyncpg

from projections.base import Projection
from projections.entries import ENTRY_COLUMNS, Entry, entry_from_row

ProgressFn = Callable[[int, int], None]
Connect = Callable[[Projection | None], Any]  # an awaitable asyncpg.Connection

READ = (f"SELECT {ENTRY_COLUMNS} FROM ledger_events WHERE notification_id > $1"
        " AND notification_id <= $2 AND ($4::text[] IS NULL OR stream_type = ANY($4::text[]))"
        " ORDER BY notification_id LIMIT $3")
MOVE = ("UPDATE projection_tracking SET position = $2, updated_at = now()"
        " WHERE name = $1 AND position < $2")
Batch = tuple[list[Entry], int]  # entries, and the position the batch read up to


class Lane:
    """One projection folding batches from its queue on its own connection."""

    def __init__(self, projection: Projection, conn: asyncpg.Connection, done: int,
                 depth: int) -> None:
        self.projection = projection
        self.conn = conn
        self.done = done  # its tracked position
        self.types: frozenset[str] | None = getattr(projection, "stream_types", None)
        self.queue: asyncio.Queue[Batch | None] = asyncio.Queue(maxsize=depth)

    async def run(self, on_commit: Callable[[], None], took: asyncio.Event) -> None:
        while (batch := await self.queue.get()) is not None:
            took.set()  # room in the queue: the reader may go on
            entries, last = batch
            if last <= self.done:
                continue
            mine = [e for e in entries if e.position > self.done
                    and (self.types is None or e.stream_type in self.types)]
            async with self.conn.transaction():
                if mine:
                    await self.projection.apply(self.conn, mine)
                await self.conn.execute(MOVE, self.projection.name, last)
            self.done = last
            on_commit()


async def replay(
    connect: Connect, projections: Sequence[Projection], head: int, *,
    batch_size: int = 5000, depth: int = 2, progress: ProgressFn | None = None,
) -> int:
    """Brings every projection up to `head` (their tracking rows exist, on the
    connections `connect(projection)` opens); returns `head`."""
    with _fewer_collections():
        return await _replay(connect, projections, head, batch_size, depth, progress)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """A replay allocates millions of objects that reference counting frees
    (entries, rows: no cycles); at the default thresholds the cycle collector
    runs every 700 allocations and keeps rescanning the batches in flight."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*before)


async def _replay(
    connect: Connect, projections: Sequence[Projection], head: int, batch_size: int,
    depth: int, progress: ProgressFn | None,
) -> int:
    conns = [await connect(p) for p in projections]
    reader = await connect(None)
    try:
        lanes = [Lane(p, c, await _position(c, p.name), depth)
                 for p, c in zip(projections, conns, strict=True)]

        def on_commit() -> None:
            if progress:
                progress(min(lane.done for lane in lanes), head)

        took = asyncio.Event()
        tasks = [asyncio.ensure_future(lane.run(on_commit, took)) for lane in lanes]
        for task in tasks:  # a lane that ends (or fails) wakes the reader too
            task.add_done_callback(lambda _task: took.set())
        try:
            await _read(reader, lanes, head, batch_size, tasks, took)
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for conn in (*conns, reader):
            await conn.close()
    return head


async def _position(conn: asyncpg.Connection, name: str) -> int:
    position = await conn.fetchval(
        "SELECT position FROM projection_tracking WHERE name = $1", name)
    if position is None:  # never applied untracked
        raise KeyError(f"no projection_tracking row for {name}")
    return int(position)


def _types(lanes: Sequence[Lane]) -> list[str] | None:
    """The stream types to read: all of them unless every lane declares its own."""
    if any(lane.types is None for lane in lanes):
        return None
    return sorted({t for lane in lanes for t in lane.types or ()})


async def _read(reader: asyncpg.Connection, lanes: Sequence[Lane], head: int,
                batch_size: int, tasks: Sequence[asyncio.Future[None]],
                took: asyncio.Event) -> None:
    """Feeds every lane each batch after the lowest position, then None."""
    last = min((lane.done for lane in lanes), default=head)
    types = _types(lanes)
    while last < head:
        rows = await reader.fetch(READ, last, head, batch_size, types)
        entries = [entry_from_row(r) for r in rows]
        last = entries[-1].position if len(rows) == batch_size else head
        for lane in lanes:
            await _put(lane.queue, (entries, last), tasks, took)
    for lane in lanes:
        await _put(lane.queue, None, tasks, took)


async def _put(queue: asyncio.Queue[Batch | None], item: Batch | None,
               tasks: Sequence[asyncio.Future[None]], took: asyncio.Event) -> None:
    """Waits for room in a lane's queue, but stops at once if any lane failed
    (a failed lane would never make room). No task per put: a replay puts
    millions of times, and tasks are freed only by the cycle collector."""
    while queue.full():
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        took.clear()
        await took.wait()
    queue.put_nowait(item)
