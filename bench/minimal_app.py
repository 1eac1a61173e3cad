"""The least a write of this architecture does, on our stack: the floor's
other bound (bench/floor.py). Served by uvicorn as the real server is:

    MINIMAL_DATABASE_URL=... uvicorn bench.minimal_app:app --loop uvloop --http httptools

- HTTP and GraphQL: the bare path of bench/floor_app.py, for the same
  document;
- the ledger: one stock eventsourcing append per mutation (the baseline's
  one-event aggregate, bench/raw_appends.py), the commands waiting at that
  moment saved together in one transaction by `Application.save`, in a
  schema of its own. MINIMAL_COMMIT says how they are grouped: `threads`
  (the default; infra/group_commit.py, as our server's recorder does, each
  command waiting in a thread of its own) or `loop` (`LoopGroupCommit`: the
  commands wait on the event loop, one thread hand-off per batch);
- the read model: the startup's row inserted in the request into a copy of
  `organisations` (same columns, search vector, indexes), after the append,
  or beside it with MINIMAL_PARALLEL=1; the answer taken from the input:
  read your writes with no wait and no read.

MINIMAL_THREADS (16) sizes the threads and each pool: the bench's clients,
divided among uvicorn's workers when it runs several.

Nothing else: no middleware, authentication, validation beyond GraphQL's,
domain rules, hash chain, encryption of personal data, idempotency, projector
process or notification. What it reaches bounds what any implementation of
the architecture could reach here with those left out."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import psycopg
import strawberry
from starlette.applications import Starlette
from starlette.routing import Route

from bench.floor_app import Query, RegisterStartupInput, RegisterStartupPayload, Startup
from bench.raw_appends import Baseline, Dot, _env
from infra.group_commit import MAX_BATCH, GroupCommit
from schema.app import build_schema
from schema.http import GraphQLHttp, HttpLimits
from schema.persisted import PersistedQueries

SCHEMA = "bench_minimal"
ROWS = f"{SCHEMA}.organisations"
INSERT = (f"INSERT INTO {ROWS} (id, kind, name, siren, description, website, city,"
          " founded_year, sectors, technologies, version, created_at, updated_at)"
          " VALUES ($1, 'STARTUP', $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)")


class LoopGroupCommit:
    """Group commit held on the event loop: the commands waiting at a moment
    are saved together by one executor job, so a batch costs one thread
    hand-off, where `GroupCommit` costs one per command (each waits in a
    thread of its own)."""

    def __init__(self, save: Callable[[Sequence[Dot]], object], threads: ThreadPoolExecutor,
                 max_batch: int = MAX_BATCH) -> None:
        self._save, self._threads, self._max_batch = save, threads, max_batch
        self._pending: list[tuple[Dot, asyncio.Future[None]]] = []
        # The batch in flight: held here, since the loop keeps only a weak
        # reference to a task, which could be collected mid-batch.
        self._draining: asyncio.Task[None] | None = None

    async def submit(self, dot: Dot) -> None:
        done = asyncio.get_running_loop().create_future()
        self._pending.append((dot, done))
        if self._draining is None:
            self._draining = asyncio.get_running_loop().create_task(self._drain())
        await done

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch = self._pending[:self._max_batch]
                del self._pending[:self._max_batch]
                await self._settle(batch)
        finally:
            self._draining = None

    async def _settle(self, batch: list[tuple[Dot, asyncio.Future[None]]]) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._threads, self._save, [dot for dot, _ in batch])
        except Exception as exc:  # the whole batch failed: each caller raises it
            for _dot, done in batch:
                done.set_exception(exc)
        else:
            for _dot, done in batch:
                done.set_result(None)


@dataclass
class Writes:
    append: Callable[[Dot], Awaitable[object]]
    rows: asyncpg.Pool
    parallel: bool  # the append and the row's insert at once, or one after the other

    async def register(self, given: RegisterStartupInput) -> Startup:
        dot = Dot(given.name, given.siren, given.description,
                  {"role": "STARTUP", "correlationId": "bench"})
        append = self.append(dot)
        insert = self.rows.execute(INSERT, dot.id, given.name, given.siren, given.description,
                                   given.website, given.city, given.founded_year,
                                   given.sectors, given.technologies, datetime.now(UTC))
        if self.parallel:
            await asyncio.gather(append, insert)
        else:
            await append
            await insert
        return Startup(id=strawberry.ID(str(dot.id)), name=given.name, version=1)


WRITES: list[Writes] = []  # the open one, while the app runs


def _appender(ledger: Baseline, threads: ThreadPoolExecutor, commit: str
              ) -> Callable[[Dot], Awaitable[object]]:
    def save(dots: Sequence[Dot]) -> list[None]:
        ledger.save(*dots)
        return [None] * len(dots)

    if commit == "loop":
        return LoopGroupCommit(save, threads).submit
    if commit != "threads":
        raise ValueError(f"MINIMAL_COMMIT is 'threads' or 'loop', not {commit!r}")
    commits = GroupCommit(save)
    return lambda dot: asyncio.get_running_loop().run_in_executor(threads, commits.submit, dot)


@contextlib.asynccontextmanager
async def open_writes(database_url: str, commit: str = "threads", parallel: bool = False,
                      threads: int = 16) -> AsyncIterator[Writes]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {ROWS} (LIKE public.organisations INCLUDING ALL)")
    ledger = Baseline(_env(database_url, threads, SCHEMA))
    executor = ThreadPoolExecutor(threads, thread_name_prefix="minimal-command")
    try:
        append = _appender(ledger, executor, commit)
        rows = await asyncpg.create_pool(database_url, min_size=min(4, threads),
                                         max_size=threads)
        try:
            yield Writes(append, rows, parallel)
        finally:
            await rows.close()
    finally:
        executor.shutdown()
        ledger.close()


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def register_startup(self, input: RegisterStartupInput) -> RegisterStartupPayload:
        return RegisterStartupPayload(startup=await WRITES[0].register(input), user_errors=[])


@contextlib.asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    async with open_writes(os.environ["MINIMAL_DATABASE_URL"],
                           os.environ.get("MINIMAL_COMMIT", "threads"),
                           os.environ.get("MINIMAL_PARALLEL") == "1",
                           int(os.environ.get("MINIMAL_THREADS", "16"))) as writes:
        WRITES[:] = [writes]
        yield
        WRITES.clear()


http = GraphQLHttp(build_schema((Query,), (Mutation,)), HttpLimits(response_cache=False))
http.persisted = PersistedQueries(None, allow_list_only=False)  # type: ignore[arg-type]
http.make_context = lambda _request: None
app = Starlette(routes=[Route("/graphql", http.handle, methods=["POST"])], lifespan=lifespan)
