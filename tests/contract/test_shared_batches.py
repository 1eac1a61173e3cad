"""Loads of the same kind from concurrent requests share one query
(schema/shared_batches.py), on real PostgreSQL: each request still gets
exactly its keys, a failure reaches every request that shared the query, and
a request that goes away does not take the others' answer with it."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from schema import shared_batches
from schema.reading import batch_loader

REQUEST: contextvars.ContextVar[str] = contextvars.ContextVar("request", default="none")


class Squares:
    """A batch query that records the keys of each call it serves."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[int]] = []
        self.seen_request: list[str] = []
        self.fail = fail
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, conn: asyncpg.Connection, keys: list[int]) -> dict[int, Any]:
        self.calls.append(list(keys))
        self.seen_request.append(REQUEST.get())
        await self.release.wait()
        if self.fail:
            await conn.fetchval("SELECT 1 / 0")
        rows = await conn.fetch("SELECT k, k * k AS square FROM unnest($1::int[]) AS k"
                                " WHERE k >= 0", keys)
        return {r["k"]: r["square"] for r in rows}


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(database_url, min_size=1, max_size=2) as pool:
        yield pool


async def test_requests_asking_together_share_one_query(pool: asyncpg.Pool) -> None:
    query = Squares()
    first, second = batch_loader(query)(pool), batch_loader(query)(pool)  # two requests
    got = await asyncio.gather(first.load_many([1, 2, -1]), second.load_many([2, 3]))
    assert got == [[1, 4, None], [4, 9]]
    assert query.calls == [[1, 2, -1, 3]]  # once, each key once


async def test_each_request_keeps_its_default(pool: asyncpg.Pool) -> None:
    query = Squares()
    zero, none = batch_loader(query, 0)(pool), batch_loader(query)(pool)
    assert await asyncio.gather(zero.load(-5), none.load(-5)) == [0, None]
    assert len(query.calls) == 1


async def test_requests_asking_later_get_a_query_of_their_own(pool: asyncpg.Pool) -> None:
    query = Squares()
    assert await batch_loader(query)(pool).load(2) == 4
    assert await batch_loader(query)(pool).load(2) == 4  # nothing cached between requests
    assert query.calls == [[2], [2]]


async def test_different_queries_are_not_merged(pool: asyncpg.Pool) -> None:
    one, other = Squares(), Squares()
    await asyncio.gather(batch_loader(one)(pool).load(1), batch_loader(other)(pool).load(2))
    assert (one.calls, other.calls) == ([[1]], [[2]])


async def test_a_failed_query_fails_every_request_that_shared_it(pool: asyncpg.Pool) -> None:
    query = Squares(fail=True)
    results = await asyncio.gather(batch_loader(query)(pool).load(1),
                                   batch_loader(query)(pool).load(2), return_exceptions=True)
    assert [type(r) for r in results] == [asyncpg.DivisionByZeroError] * 2
    query.fail = False
    assert await batch_loader(query)(pool).load(3) == 9  # the next batch is a new one


async def test_a_request_that_goes_away_leaves_the_answer_to_the_others(
    pool: asyncpg.Pool,
) -> None:
    query = Squares()
    query.release.clear()
    leaving = asyncio.ensure_future(batch_loader(query)(pool).load(1))
    staying = asyncio.ensure_future(batch_loader(query)(pool).load(2))
    while not query.calls:
        await asyncio.sleep(0)
    leaving.cancel()
    query.release.set()
    assert await asyncio.wait_for(staying, 10) == 4
    assert leaving.cancelled()
    assert query.calls == [[1, 2]]


async def test_nothing_is_left_open_after_a_batch(pool: asyncpg.Pool) -> None:
    query = Squares()
    await batch_loader(query)(pool).load(1)
    await asyncio.sleep(0)
    assert not shared_batches._OPEN
    assert not shared_batches._RUNNING


async def test_the_shared_query_runs_in_no_requests_context(pool: asyncpg.Pool) -> None:
    """Its work (log lines with a correlation id, say) belongs to none of them."""
    query = Squares()

    async def request(name: str, key: int) -> int:
        REQUEST.set(name)
        return await batch_loader(query)(pool).load(key)

    assert await asyncio.gather(request("A", 1), request("B", 2)) == [1, 4]
    assert query.seen_request == ["none"]
