"""The rebuild engine: one reader fetches and decodes each ledger batch once
and hands it to a few lanes; each lane folds it into its projections on a
connection of its own, committing their rows and tracking positions in one
transaction.

While one lane waits for PostgreSQL, the reader and the other lanes run, so
the Python process and the database work at the same time (on two cores:
both of them). Memory stays constant: a lane's queue holds at most `depth`
batches, and the reader waits for the slowest lane.

Exactly-once as in the live projector: a projection skips the entries at or
below its tracked position, and moves that position in the transaction of its
rows; a lane that fails stops the replay (work up to its last commit stays)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from itertools import compress

import asyncpg

from projections.base import Projection, stream_types_of
from projections.entries import FOLD_COLUMNS, Entry, folded_entry_from_row

ProgressFn = Callable[[int, int], None]
Connect = Callable[[], Awaitable[asyncpg.Connection]]
# The search_path of a projection's tables and tracking row (None: the connection's).
PathOf = Callable[[Projection], "str | None"]

READ = (f"SELECT {FOLD_COLUMNS} FROM ledger_events WHERE notification_id > $1"
        " AND notification_id <= $2 AND ($4::text[] IS NULL OR stream_type = ANY($4::text[]))"
        " ORDER BY notification_id LIMIT $3")
MOVE = ("UPDATE projection_tracking SET position = $2, updated_at = now()"
        " WHERE name = $1 AND position < $2")


class Batch:
    """One batch of the ledger, shared by every lane: its entries, the position
    it read up to, and their stream types in a list of their own, taken while
    the entries are fresh in the cache: each projection's entries are then
    picked in C (compress) instead of every member reading every entry."""

    __slots__ = ("entries", "last", "types")

    def __init__(self, entries: list[Entry], last: int) -> None:
        self.entries = entries
        self.last = last
        self.types = [e.stream_type for e in entries]

    def of(self, types: frozenset[str] | None, after: int = 0) -> list[Entry]:
        """The entries of `types` (None: all) past position `after`, in order."""
        if types is None:
            picked = self.entries
        else:
            picked = list(compress(self.entries, map(types.__contains__, self.types)))
        if picked and picked[0].position <= after:  # resuming inside this batch
            return [e for e in picked if e.position > after]
        return picked


class Member:
    """One projection of a lane, with its tracked position."""

    def __init__(self, projection: Projection, path: str | None) -> None:
        self.projection = projection
        self.path = path
        self.done = 0
        self.types: frozenset[str] | None = getattr(projection, "stream_types", None)

    async def enter(self, conn: asyncpg.Connection) -> None:
        """Inside a transaction: this projection's tables come first."""
        if self.path is not None:
            await conn.execute(f"SET LOCAL search_path = {self.path}")

    async def fold(self, conn: asyncpg.Connection, batch: Batch) -> None:
        await self.enter(conn)
        mine = batch.of(self.types, self.done)
        if mine:
            await self.projection.apply(conn, mine)
        await conn.execute(MOVE, self.projection.name, batch.last)


class Lane:
    """Projections folding the batches of their queue, one after the other,
    on a connection of their own (a lane is one of the concurrent parts)."""

    def __init__(self, members: list[Member], conn: asyncpg.Connection, depth: int) -> None:
        self.members = members
        self.conn = conn
        self.queue: asyncio.Queue[Batch | None] = asyncio.Queue(maxsize=depth)

    @property
    def done(self) -> int:
        return min(m.done for m in self.members)

    async def start(self) -> None:
        for member in self.members:
            async with self.conn.transaction():
                await member.enter(self.conn)
                member.done = await _position(self.conn, member.projection.name)

    async def run(self, on_commit: Callable[[], None], took: asyncio.Event) -> None:
        while (batch := await self.queue.get()) is not None:
            took.set()  # room in the queue: the reader may go on
            behind = [m for m in self.members if m.done < batch.last]
            if not behind:
                continue
            # The batch's rows and positions of every projection of the lane commit together.
            async with self.conn.transaction():
                for member in behind:
                    await member.fold(self.conn, batch)
            for member in behind:
                member.done = batch.last
            on_commit()


async def replay(
    connect: Connect, projections: Sequence[Projection], head: int, *,
    path_of: PathOf = lambda _p: None, lanes: int = 4, batch_size: int = 5000,
    depth: int = 2, progress: ProgressFn | None = None,
) -> int:
    """Brings every projection up to `head` (their tracking rows exist) over
    `lanes` connections and one for reading; returns `head`."""
    with _fewer_collections():
        return await _replay(connect, projections, head, path_of, lanes, batch_size, depth,
                             progress)


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
    connect: Connect, projections: Sequence[Projection], head: int, path_of: PathOf,
    lanes: int, batch_size: int, depth: int, progress: ProgressFn | None,
) -> int:
    # Round robin: the projections come in slice order, heavy ones spread out.
    parts = [list(projections[i::lanes]) for i in range(min(lanes, len(projections)))]
    conns = [await connect() for _ in parts]
    reader = await connect()
    try:
        running = [Lane([Member(p, path_of(p)) for p in part], conn, depth)
                   for part, conn in zip(parts, conns, strict=True)]
        for lane in running:
            await lane.start()

        def on_commit() -> None:
            if progress:
                progress(min(lane.done for lane in running), head)

        took = asyncio.Event()
        tasks = [asyncio.ensure_future(lane.run(on_commit, took)) for lane in running]
        for task in tasks:  # a lane that ends (or fails) wakes the reader too
            task.add_done_callback(lambda _task: took.set())
        try:
            await _read(reader, running, head, batch_size, tasks, took)
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
    """The stream types to read: all of them unless every projection declares its own."""
    types = stream_types_of(m.projection for lane in lanes for m in lane.members)
    return sorted(types) if types is not None else None


async def read_batches(reader: asyncpg.Connection, after: int, head: int, batch_size: int,
                       types: list[str] | None = None) -> AsyncIterator[Batch]:
    """The ledger's entries of `types` (None: all) past `after` up to `head`,
    each decoded once, in batches of `batch_size`."""
    last = after
    while last < head:
        rows = await reader.fetch(READ, last, head, batch_size, types)
        entries = [folded_entry_from_row(r) for r in rows]
        last = entries[-1].position if len(rows) == batch_size else head
        yield Batch(entries, last)


async def _read(reader: asyncpg.Connection, lanes: Sequence[Lane], head: int,
                batch_size: int, tasks: Sequence[asyncio.Future[None]],
                took: asyncio.Event) -> None:
    """Feeds every lane each batch after the lowest position, then None."""
    after = min((lane.done for lane in lanes), default=head)
    async for batch in read_batches(reader, after, head, batch_size, _types(lanes)):
        for lane in lanes:
            await _put(lane.queue, batch, tasks, took)
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
