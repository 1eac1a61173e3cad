"""Exactly one instance runs the projections (advisory lock), another takes
over when it stops, and every instance's watch learns how far they have got."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg

from projections.access import AccessProjection
from projections.engine import LEADER_LOCK, ProjectionWatch, Projector, ProjectorLeader
from projections.organisations import OrganisationsProjection
from tests.support.waiting import eventually

OpenPool = Callable[[], Any]
APPEND = ("SELECT max(p) FROM ledger_append(ARRAY[gen_random_uuid()], ARRAY[1::bigint],"
          " ARRAY['tests:Thing.Happened'], ARRAY['{}'::bytea]) AS p")


class Instance:
    """One server's projector leader loop, started and stopped on demand."""

    def __init__(self, pool: asyncpg.Pool, dsn: str) -> None:
        projector = Projector(pool, [AccessProjection(), OrganisationsProjection()])
        self.leader = ProjectorLeader(projector, dsn, retry_seconds=0.05)
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self.leader.run(self.stop))

    async def shut_down(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, timeout=5)


async def test_exactly_one_of_two_instances_runs_the_projections(
    open_pool: OpenPool, database_url: str,
) -> None:
    instances = [Instance(await open_pool(), database_url) for _ in range(2)]
    await eventually(lambda: any(i.leader.is_leader for i in instances))
    await asyncio.sleep(0.3)  # several election rounds
    assert [i.leader.is_leader for i in instances].count(True) == 1
    for instance in instances:
        await instance.shut_down()


async def test_another_instance_takes_over_when_the_leader_stops(
    open_pool: OpenPool, database_url: str,
) -> None:
    first = Instance(await open_pool(), database_url)
    await eventually(lambda: first.leader.is_leader)
    second = Instance(await open_pool(), database_url)
    await first.shut_down()
    await eventually(lambda: second.leader.is_leader)
    await second.shut_down()


HOLDER = ("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
          " AND (classid::bigint << 32) + objid::bigint = $1")


async def test_a_leader_whose_session_is_ended_competes_again_and_leads(
    open_pool: OpenPool, database_url: str,
) -> None:
    instance = Instance(await open_pool(), database_url)
    await eventually(lambda: instance.leader.is_leader)
    admin = await asyncpg.connect(database_url)
    try:
        for _ in range(2):  # whatever the leader's session is doing when it ends
            holder = await admin.fetchval(HOLDER, LEADER_LOCK)
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", holder)
            deadline = asyncio.get_running_loop().time() + 10
            while await admin.fetchval(HOLDER, LEADER_LOCK) in (None, holder):
                assert not instance.task.done(), instance.task.exception()
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.02)
    finally:
        await admin.close()
    await instance.shut_down()


async def test_the_leader_projects_an_entry_soon_after_it_is_committed(
    pool: asyncpg.Pool, database_url: str, history: int,
) -> None:
    instance = Instance(pool, database_url)
    watch = ProjectionWatch(pool, poll_seconds=0.02)
    position = await pool.fetchval(APPEND)
    assert position == history + 1
    assert await watch.wait_for(position, timeout=5)
    await instance.shut_down()


async def test_a_watch_gives_up_when_the_projections_do_not_reach_a_position(
    empty_pool: asyncpg.Pool,
) -> None:
    watch = ProjectionWatch(empty_pool, poll_seconds=0.02)
    assert not await watch.wait_for(1, timeout=0.1)


async def test_a_watch_knows_the_position_every_projection_has_passed(
    empty_pool: asyncpg.Pool,
) -> None:
    await empty_pool.execute("INSERT INTO projection_tracking (name, position)"
                       " VALUES ('a', 7), ('b', 4)")
    watch = ProjectionWatch(empty_pool)
    assert await watch.refresh() == 4


async def test_a_watch_wakes_its_waiters_on_notification(empty_pool: asyncpg.Pool) -> None:
    watch = ProjectionWatch(empty_pool, poll_seconds=5)
    waiting = asyncio.create_task(watch.wait_for(3, timeout=5))
    await asyncio.sleep(0.05)
    watch.on_notify(None, 0, "passerelle_projected", "3")
    assert await asyncio.wait_for(waiting, timeout=1)
