"""The least a write of this architecture does, on our stack: the floor's
other bound (bench/floor.py). Served by uvicorn as the real server is:

    MINIMAL_DATABASE_URL=... uvicorn bench.minimal_app:app --loop uvloop --http httptools

- HTTP and GraphQL: the bare path of bench/floor_app.py, for the same
  document;
- the ledger: one stock eventsourcing append per mutation (the baseline's
  one-event aggregate, bench/raw_appends.py), the commands waiting at that
  moment saved together in one transaction (infra/group_commit.py over
  `Application.save`), in a schema of its own;
- the read model: the startup's row inserted in the request into a copy of
  `organisations` (same columns, search vector, indexes), and the answer
  taken from the input: read your writes with no wait and no read.

Nothing else: no middleware, authentication, validation beyond GraphQL's,
domain rules, hash chain, encryption of personal data, idempotency, projector
process or notification. What it reaches bounds what any implementation of
the architecture could reach here with those left out."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Sequence
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
from infra.group_commit import GroupCommit
from schema.app import build_schema
from schema.http import GraphQLHttp, HttpLimits
from schema.persisted import PersistedQueries

SCHEMA = "bench_minimal"
# One per client of the bench, split among uvicorn's workers when it runs several.
THREADS = int(os.environ.get("MINIMAL_THREADS", "16"))
ROWS = f"{SCHEMA}.organisations"
INSERT = (f"INSERT INTO {ROWS} (id, kind, name, siren, description, website, city,"
          " founded_year, sectors, technologies, version, created_at, updated_at)"
          " VALUES ($1, 'STARTUP', $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)")


@dataclass
class Writes:
    ledger: Baseline
    commits: GroupCommit[Dot, None]
    rows: asyncpg.Pool
    threads: ThreadPoolExecutor

    async def register(self, given: RegisterStartupInput) -> Startup:
        dot = Dot(given.name, given.siren, given.description,
                  {"role": "STARTUP", "correlationId": "bench"})
        await asyncio.get_running_loop().run_in_executor(self.threads, self.commits.submit, dot)
        await self.rows.execute(INSERT, dot.id, given.name, given.siren, given.description,
                                given.website, given.city, given.founded_year, given.sectors,
                                given.technologies, datetime.now(UTC))
        return Startup(id=strawberry.ID(str(dot.id)), name=given.name, version=1)


WRITES: list[Writes] = []  # the open one, while the app runs


@contextlib.asynccontextmanager
async def open_writes(database_url: str) -> AsyncIterator[Writes]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {ROWS} (LIKE public.organisations INCLUDING ALL)")
    ledger = Baseline(_env(database_url, THREADS, SCHEMA))

    def save(dots: Sequence[Dot]) -> list[None]:
        ledger.save(*dots)
        return [None] * len(dots)

    rows = await asyncpg.create_pool(database_url, min_size=4, max_size=THREADS)
    threads = ThreadPoolExecutor(THREADS, thread_name_prefix="minimal-command")
    try:
        yield Writes(ledger, GroupCommit(save), rows, threads)
    finally:
        threads.shutdown()
        await rows.close()
        ledger.close()


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def register_startup(self, input: RegisterStartupInput) -> RegisterStartupPayload:
        return RegisterStartupPayload(startup=await WRITES[0].register(input), user_errors=[])


@contextlib.asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    async with open_writes(os.environ["MINIMAL_DATABASE_URL"]) as writes:
        WRITES[:] = [writes]
        yield
        WRITES.clear()


http = GraphQLHttp(build_schema((Query,), (Mutation,)), HttpLimits(response_cache=False))
http.persisted = PersistedQueries(None, allow_list_only=False)  # type: ignore[arg-type]
http.make_context = lambda _request: None
app = Starlette(routes=[Route("/graphql", http.handle, methods=["POST"])], lifespan=lifespan)
