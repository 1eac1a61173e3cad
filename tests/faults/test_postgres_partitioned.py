"""A partition between the server and PostgreSQL (packets lost, nothing
reset): every write-side connection ends within about the database timeout
(infra/liveness.py), so a command's thread gets an error instead of waiting
for as long as the partition lasts, and the live ledger's listener
reconnects; before, the kernel retransmitted for about 15 minutes and waited
for an answer forever."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import asyncpg
import eventsourcing.persistence
import psycopg
import pytest

from infra.eventstore import WriteSide, open_write_side
from infra.live import LiveBroker, LiveLimits
from infra.liveness import USER_TIMEOUT_FLOOR_SECONDS
from infra.migrate import apply_migrations
from infra.runtime import open_pool
from infra.watch_listener import listen_for_projections
from projections.access import AccessProjection
from projections.engine import ProjectionWatch, Projector, ProjectorLeader
from projections.sessions import SESSION_KEEPALIVES
from tests.faults.partition import PartitionablePostgres, partitionable_postgres
from tests.infra.test_watch_listener import notified
from tests.ledger.test_group_commit_db import _startup
from tests.live.test_broker import append, positions_until
from tests.organisations.builders import siren
from tests.support.waiting import eventually

TIMEOUT = 2.0
# The write side's connections end after the floor (5 s) rather than 2 s.
ENDED_AFTER = max(TIMEOUT, USER_TIMEOUT_FLOOR_SECONDS)
ENDED_WITHIN = 2 * ENDED_AFTER + 2  # rounded up to a probe, on a loaded machine
LOST = (psycopg.OperationalError, eventsourcing.persistence.OperationalError)


def _record(side: WriteSide, n: int) -> None:
    side.ledger.save(_startup(f"Coupure {n}", siren(820_000 + n)))


def test_each_write_side_connection_carries_keepalives_and_a_user_timeout(
    database_url: str,
) -> None:
    # 8 s: unacknowledged data for 8 s, or a first probe after 2 s of silence
    # and three more 2 s apart unanswered.
    expected = {"keepalives": "1", "keepalives_idle": "2", "keepalives_interval": "2",
                "keepalives_count": "3", "tcp_user_timeout": "8000"}
    with contextlib.closing(open_write_side(database_url, pool_size=2, timeout_seconds=8)) as side:
        for pool in (side.ledger.recorder.datastore.pool, side.pool):  # type: ignore[attr-defined]
            # Two at once: the pool's first connections, opened with the ledger, too.
            with pool.connection() as one, pool.connection() as two:
                for conn in (one, two):
                    parameters = conn.info.get_parameters()
                    assert {k: parameters.get(k) for k in expected} == expected, parameters


def _outcome(future: Future[Any], cut_at: float) -> tuple[BaseException | None, float]:
    """What the call raised, and how long after the cut."""
    try:
        future.result(timeout=max(0.0, cut_at + ENDED_WITHIN - time.monotonic()))
    except TimeoutError:
        raise AssertionError(f"still waiting {ENDED_WITHIN} s after the cut") from None
    except LOST as exc:
        return exc, time.monotonic() - cut_at
    return None, time.monotonic() - cut_at


def test_a_command_sent_into_a_partition_fails_in_time_instead_of_hanging() -> None:
    """Both pools: the ledger's (a command) and ours (a read). The second may
    find its connection already ended by its probes, while the first waited."""
    with partitionable_postgres() as postgres:
        apply_migrations(postgres.url)
        side = open_write_side(postgres.url, pool_size=2, timeout_seconds=TIMEOUT)
        threads = ThreadPoolExecutor(2)
        try:
            _record(side, 0)  # both pools connected and used
            side.memberships.roles_of("alice")
            postgres.cut()
            cut_at = time.monotonic()
            work: list[Callable[[], Any]] = [lambda: _record(side, 1),
                                            lambda: side.memberships.roles_of("alice")]
            outcomes = [_outcome(threads.submit(call), cut_at) for call in work]
        finally:
            postgres.mend()
            threads.shutdown(wait=True)
            side.close()
    for error, _ in outcomes:
        assert isinstance(error, LOST), outcomes
    # No sooner than the user timeout: a few lost packets cut nothing.
    assert outcomes[0][1] > ENDED_AFTER - 1, outcomes


async def test_the_live_listener_notices_a_partition_and_resumes_once_it_mends() -> None:
    with partitionable_postgres() as postgres:
        apply_migrations(postgres.url)
        pool = await asyncpg.create_pool(postgres.url, min_size=1, max_size=2)
        broker = LiveBroker(postgres.url, pool, LiveLimits(poll_seconds=0.2),
                            retry_seconds=0.1, timeout_seconds=TIMEOUT)
        try:
            feed = await broker.subscribe()
            stream = uuid4()
            await append(pool, stream, [1])
            assert await positions_until(feed, 1) == [1]
            postgres.cut()
            try:
                async with asyncio.timeout(ENDED_WITHIN):
                    while not broker.reconnects:  # the poll's read timed out
                        await asyncio.sleep(0.1)
            finally:
                postgres.mend()
            await append(pool, stream, [2])
            async with asyncio.timeout(ENDED_WITHIN):
                assert await positions_until(feed, 2) == [2]
        finally:
            await broker.stop()
            await pool.close()


async def test_the_projections_listener_notices_a_partition_and_hears_again_once_mended(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with partitionable_postgres() as postgres:
        apply_migrations(postgres.url)
        local = await asyncpg.create_pool(postgres.local_url, min_size=1, max_size=2)
        watch, stop = ProjectionWatch(local, poll_seconds=3600), asyncio.Event()
        task = asyncio.create_task(listen_for_projections(
            postgres.url, watch, stop, timeout_seconds=TIMEOUT, retry_seconds=0.1,
            check_seconds=0.2))
        try:
            await notified(local, watch, 7)
            postgres.cut()
            try:  # its next check's read times out
                async with asyncio.timeout(ENDED_WITHIN):
                    while "listener lost" not in caplog.text:
                        await asyncio.sleep(0.1)
            finally:
                postgres.mend()
            await notified(local, watch, 9)
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=30)
            await local.close()


PROJECTED = "SELECT position FROM projection_tracking WHERE name = $1"
# Sessions on PostgreSQL's side: probes after 1 s of silence, 1 s apart, and
# 3 s for what it sent to be acknowledged.
FAST_KEEPALIVES = {"tcp_keepalives_idle": "1", "tcp_keepalives_interval": "1",
                   "tcp_keepalives_count": "2", "tcp_user_timeout": "3000"}


class GatedAccess(AccessProjection):
    """Stops inside its batch, whose transaction holds the tracking rows FOR
    UPDATE, until let go."""

    def __init__(self) -> None:
        self.inside, self.go = asyncio.Event(), asyncio.Event()

    async def apply(self, conn: asyncpg.Connection, entries: Any) -> None:
        self.inside.set()
        await self.go.wait()
        await super().apply(conn, entries)


@dataclass
class TwoLeaders:
    cut_off: ProjectorLeader  # over the router: the one the test cuts off
    in_touch: ProjectorLeader  # over the server's Unix socket: never cut
    local: asyncpg.Pool  # the in-touch instance's pool


@contextlib.asynccontextmanager
async def two_leaders(postgres: PartitionablePostgres, projection: Any,
                      pool_keepalives: Mapping[str, str] = SESSION_KEEPALIVES,
                      ) -> AsyncIterator[TwoLeaders]:
    """The cut-off instance leads (projecting with `projection`); the other
    competes from then on."""
    stop = asyncio.Event()
    pools = [await open_pool(postgres.url, 2, TIMEOUT, keepalives=pool_keepalives),
             await open_pool(postgres.local_url, 2, TIMEOUT)]
    cut_off, in_touch = (
        ProjectorLeader(Projector(pool, [each]), url, retry_seconds=0.1,
                        keepalives=FAST_KEEPALIVES, lock_check_seconds=1.0)
        for pool, each, url in zip(pools, (projection, AccessProjection()),
                                   (postgres.url, postgres.local_url), strict=True))
    tasks = [asyncio.create_task(cut_off.run(stop))]
    try:
        await eventually(lambda: cut_off.is_leader)
        tasks.append(asyncio.create_task(in_touch.run(stop)))
        yield TwoLeaders(cut_off, in_touch, pools[1])
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
        for pool in pools:
            await pool.close()


async def test_a_leader_cut_off_mid_batch_steps_down_and_another_instance_projects() -> None:
    """The leader is cut off inside a batch: it notices through its pool's
    next statement. PostgreSQL ends its two silent sessions once their probes
    go unanswered: the lock's, which frees the lock, and the batch's, which
    frees the tracking rows (without the probes, after the kernel's two hours
    or 15 minutes). An instance still in touch, here over the Unix socket,
    then leads and projects the entry."""
    gated = GatedAccess()
    with partitionable_postgres() as postgres:
        apply_migrations(postgres.url)
        async with two_leaders(postgres, gated, FAST_KEEPALIVES) as leaders:
            [position] = await append(leaders.local, uuid4(), [1])
            await asyncio.wait_for(gated.inside.wait(), timeout=10)
            postgres.cut()
            gated.go.set()  # its next statement goes nowhere
            try:
                await eventually(lambda: not leaders.cut_off.is_leader, timeout=ENDED_WITHIN)
                await eventually(lambda: leaders.in_touch.is_leader, timeout=ENDED_WITHIN)
                async with asyncio.timeout(ENDED_WITHIN):
                    while await leaders.local.fetchval(PROJECTED, "access") < position:
                        await asyncio.sleep(0.1)
            finally:
                postgres.mend()


LEADER_PORT = ("SELECT client_port FROM pg_stat_activity"
               " WHERE application_name = 'passerelle projector leader' AND client_port > 0")


async def test_a_leader_whose_lock_session_ends_unseen_steps_down() -> None:
    """Only the lock's connection is cut: its pool still answers, so only its
    check of that connection can tell the leader that PostgreSQL has ended
    the session (its probes unanswered) and freed the lock for another."""
    with partitionable_postgres() as postgres:
        apply_migrations(postgres.url)
        async with two_leaders(postgres, AccessProjection()) as leaders:
            postgres.cut(client_port=await leaders.local.fetchval(LEADER_PORT))
            try:
                await eventually(lambda: leaders.in_touch.is_leader, timeout=ENDED_WITHIN)
                # Its check's read waits 10 s for an answer that never comes.
                await eventually(lambda: not leaders.cut_off.is_leader, timeout=15)
            finally:
                postgres.mend()
