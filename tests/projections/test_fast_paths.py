"""The performance paths of the read side (issue 9) keep the guarantees: batched
row loads, stream-type pushdown, short-batch catch-up, the leader waking its
own waiters, shared position reads of the response cache, pooled connections."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

import asyncpg

from projections.access import AccessProjection
from projections.base import PooledConnection, RowStore
from projections.engine import ProjectionWatch, Projector
from projections.entries import Entry
from projections.organisations import OrganisationsProjection
from schema.cache import ResponseCache
from tests.projections.support import Probe, probed, read_model, reset_read_model, tracked


class TypedProbe(Probe):
    """A probe that declares the stream types it folds."""

    def __init__(self, name: str, stream_types: frozenset[str]) -> None:
        super().__init__(name)
        self.stream_types = stream_types

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        await super().apply(conn, [e for e in entries if e.stream_type in self.stream_types])


async def test_load_many_finds_rows_by_simple_and_composite_keys(
    pool: asyncpg.Pool, history: int,
) -> None:
    projector = Projector(pool, [OrganisationsProjection()])
    await projector.ensure_tracking()
    await projector.catch_up()
    rows = RowStore("organisation_members", ("organisation_id", "user_id"),
                    ("organisation_id", "user_id", "role"))
    members = await pool.fetch("SELECT organisation_id, user_id FROM organisation_members")
    wanted = [(r["organisation_id"], r["user_id"]) for r in members[:3]]
    missing = (members[0]["organisation_id"], "nobody")
    as_text = (str(members[1]["organisation_id"]), members[1]["user_id"])
    async with pool.acquire() as proxy:
        conn = cast(asyncpg.Connection, proxy)
        found = await rows.load_many(conn, [*wanted, missing, as_text])
        one_by_one = {k: await rows.load(conn, k) for k in [*wanted, missing, as_text]}
    assert found == one_by_one
    assert found[missing] is None and found[as_text] is not None


async def test_a_projector_of_declared_stream_types_skips_the_rest_and_reaches_the_head(
    pool: asyncpg.Pool, history: int,
) -> None:
    corporates = TypedProbe("corporates", frozenset({"Corporate"}))
    projector = Projector(pool, [corporates], batch_size=2)
    assert projector.stream_types == frozenset({"Corporate"})
    await projector.ensure_tracking()
    assert await projector.catch_up() == history  # the tail is Corporate entries, then the head
    expected = [r["notification_id"] for r in await pool.fetch(
        "SELECT notification_id FROM ledger_events WHERE stream_type = 'Corporate'"
        " ORDER BY notification_id")]
    assert await probed(pool, "corporates") == expected
    assert (await tracked(pool))["corporates"] == history
    assert await projector.run_once() == 0


async def test_stream_type_pushdown_yields_the_rows_of_a_full_read(pool: asyncpg.Pool) -> None:
    pushed = Projector(pool, [OrganisationsProjection()], batch_size=5)
    assert pushed.stream_types is not None
    full = Projector(pool, [AccessProjection(), OrganisationsProjection()], batch_size=5)
    assert full.stream_types is None  # access folds every stream
    await full.ensure_tracking()
    await pushed.catch_up()
    mine = ("organisations", "organisation_members")
    with_pushdown = {t: rows for t, rows in (await read_model(pool)).items() if t in mine}
    assert with_pushdown["organisations"]
    await reset_read_model(pool)
    await full.catch_up()
    assert {t: rows for t, rows in (await read_model(pool)).items() if t in mine} == with_pushdown


async def test_catch_up_stops_after_a_batch_that_was_not_full(
    pool: asyncpg.Pool, history: int,
) -> None:
    projector = Projector(pool, [Probe()], batch_size=history + 10)
    await projector.ensure_tracking()
    calls = 0
    run_batch = projector._run_batch

    async def counted() -> tuple[int, bool]:
        nonlocal calls
        calls += 1
        return await run_batch()

    projector._run_batch = counted  # type: ignore[method-assign]
    assert await projector.catch_up() == history
    assert calls == 1  # no empty transaction to learn that nothing is left
    assert await probed(pool) == list(range(1, history + 1))


async def test_the_leader_wakes_its_own_waiters_without_a_notification(
    pool: asyncpg.Pool, history: int,
) -> None:
    watch = ProjectionWatch(pool, poll_seconds=30)  # no LISTEN, and no polling in time
    projector = Projector(pool, [Probe()])
    await projector.ensure_tracking()
    waiting = asyncio.create_task(watch.wait_for(history, timeout=10))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    await projector.catch_up()
    assert await asyncio.wait_for(waiting, 1)
    assert watch.position == history


async def test_a_private_projector_does_not_move_the_watch(
    pool: asyncpg.Pool, history: int,
) -> None:
    watch = ProjectionWatch(pool, poll_seconds=30)
    projector = Projector(pool, [Probe()], notify=False)
    await projector.ensure_tracking()
    await projector.catch_up()
    assert watch.position == 0


class SlowPositions:
    """A pool whose position reads are counted and released by the test."""

    def __init__(self) -> None:
        self.reads = 0
        self.value = 1
        self.gates: list[asyncio.Event] = []

    async def fetchval(self, _sql: str) -> int:
        self.reads += 1
        value = self.value
        gate = asyncio.Event()
        self.gates.append(gate)
        await gate.wait()
        return value


async def test_cache_position_reads_are_shared_and_start_after_the_request() -> None:
    cache, pool = ResponseCache(), SlowPositions()
    first = asyncio.create_task(cache.position(pool))  # type: ignore[arg-type]
    while pool.reads < 1:
        await asyncio.sleep(0)
    # A mutation commits while that read is in flight: requests arriving now
    # must not get the older answer.
    pool.value = 2
    later = [asyncio.create_task(cache.position(pool)) for _ in range(5)]  # type: ignore[arg-type]
    await asyncio.sleep(0)
    pool.gates[0].set()
    assert await first == 1
    while pool.reads < 2:
        await asyncio.sleep(0)
    await asyncio.sleep(0.01)
    assert pool.reads == 2  # one read for the five that came later
    pool.gates[1].set()
    assert await asyncio.gather(*later) == [2] * 5


async def test_cache_position_errors_reach_every_caller() -> None:
    class Down:
        async def fetchval(self, _sql: str) -> Any:
            raise OSError("database down")

    cache = ResponseCache()
    results = await asyncio.gather(*(cache.position(Down()) for _ in range(3)),  # type: ignore[arg-type]
                                   return_exceptions=True)
    assert all(isinstance(r, OSError) for r in results)


async def test_a_pooled_connection_keeps_no_session_state_but_rolls_back(
    database_url: str,
) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1,
                                     connection_class=PooledConnection)
    try:
        async with pool.acquire() as conn:
            tx = conn.transaction()
            await tx.start()
            await conn.execute("CREATE TABLE left_open (id int)")
        async with pool.acquire() as conn:  # the same connection, rolled back
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT to_regclass('left_open')") is None
            assert isinstance(UUID(str(await conn.fetchval("SELECT gen_random_uuid()"))), UUID)
    finally:
        await pool.close()
