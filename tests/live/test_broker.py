"""The per-instance broker on PostgreSQL, in process: reconnect and catch-up
after its listening connection drops; parties known before the projections run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import orjson
import pytest

import infra.live as live_module
from infra.live import LISTENER_NAME, LiveBroker, LiveFeed, LiveLimits
from projections.access import AccessProjection
from projections.engine import Projector
from projections.queries.ledger import Access, LedgerFilter
from tests.support.servers import free_port

APPEND = "SELECT p FROM ledger_append($1::uuid[], $2::bigint[], $3::text[], $4::bytea[]) AS p"


async def append(pool: asyncpg.Pool, stream: UUID, versions: list[int],
                 data: dict[str, Any] | None = None) -> list[int]:
    """Raw `Probe` entries (no projector runs in these tests to trip over them)."""
    state = orjson.dumps({"meta": {"userId": "probe"}, **(data or {})})
    rows = await pool.fetch(APPEND, [stream] * len(versions), versions,
                            ["tests.live:Probe.Probed"] * len(versions), [state] * len(versions))
    return [r["p"] for r in rows]


async def positions_until(feed: LiveFeed, position: int) -> list[int]:
    got: list[int] = []
    while not got or got[-1] < position:
        got += [le.entry.position for le in await feed.next_batch()]
    return got


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def broker(database_url: str, pool: asyncpg.Pool) -> AsyncIterator[LiveBroker]:
    # A long poll: what arrives must come through NOTIFY or the reconnect's own read.
    live = LiveBroker(database_url, pool, LiveLimits(batch_size=2, poll_seconds=30),
                      retry_seconds=0.1)
    yield live
    await live.stop()


async def test_entries_committed_while_the_listener_is_down_arrive_after_it_reconnects(
    broker: LiveBroker, pool: asyncpg.Pool,
) -> None:
    feed = await broker.subscribe()
    stream = uuid4()
    await append(pool, stream, [1, 2])
    assert await positions_until(feed, 2) == [1, 2]
    await pool.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                       " WHERE application_name = $1 AND datname = current_database()",
                       LISTENER_NAME)
    await append(pool, stream, [3, 4, 5])
    assert await positions_until(feed, 5) == [3, 4, 5]
    assert broker.reconnects == 1


async def test_a_new_streams_first_entry_names_its_parties_before_the_projection_runs(
    broker: LiveBroker, pool: asyncpg.Pool,
) -> None:
    startup = uuid4()
    feed = await broker.subscribe()
    await append(pool, uuid4(), [1], {"startup_id": str(startup)})
    [live] = await feed.next_batch()
    access = Access(party_of=frozenset({startup}))
    page = await broker.catch_up_page(0, access, LedgerFilter(), None)
    assert live.parties == {startup}
    assert [(e.entry.position, e.parties) for e in page.entries] == [(1, {startup})]
    assert await pool.fetchval("SELECT count(*) FROM stream_parties") == 0


async def test_catch_up_trusts_stream_parties_only_up_to_the_access_projections_position(
    broker: LiveBroker, pool: asyncpg.Pool,
) -> None:
    mine, theirs = uuid4(), uuid4()
    for startup in (mine, theirs):
        await append(pool, uuid4(), [1], {"startup_id": str(startup)})
    access = Access(party_of=frozenset({mine}))
    before = await broker.catch_up_page(0, access, LedgerFilter(), None)
    projector = Projector(pool, [AccessProjection()])
    await projector.ensure_tracking()
    await projector.catch_up()
    after = await broker.catch_up_page(0, access, LedgerFilter(), None)
    assert [e.entry.position for e in before.entries] == [1, 2]  # judged in Python
    assert [e.entry.position for e in after.entries] == [1]  # filtered in SQL


def test_limits_come_from_passerelle_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSERELLE_MAX_SUBSCRIPTIONS_PER_CONNECTION", "5")
    monkeypatch.setenv("PASSERELLE_LIVE_BUFFER_ENTRIES", "99")
    monkeypatch.setenv("PASSERELLE_LIVE_DIRECT", "0")
    limits = LiveLimits.from_env()
    assert (limits.max_subscriptions_per_connection, limits.buffer_entries) == (5, 99)
    assert limits.direct == 0 and LiveLimits().direct == 1


async def test_a_feed_left_parked_on_a_batch_is_woken_a_while_after_it(
    broker: LiveBroker, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The broker's net under direct delivery (schema/live/direct.py): a feed
    parked on a result that nothing releases still gets its batch."""
    monkeypatch.setattr(live_module, "PARKED_SECONDS", 0.05)
    feed = await broker.subscribe()
    feed.taker = lambda batch, start: (start, True)  # parks, and nothing releases it
    waiting = asyncio.ensure_future(feed.next_batch())
    await asyncio.sleep(0)
    positions = await append(pool, uuid4(), [1])
    batch = await asyncio.wait_for(waiting, 5)
    assert [le.entry.position for le in batch] == positions


async def test_the_first_task_woken_by_a_batch_runs_before_the_other_feeds_get_it(
    broker: LiveBroker, pool: asyncpg.Pool,
) -> None:
    """So that the subscriber computing a batch's results (schema/live/direct.py)
    has them before the others are offered the batch: they send, not park."""
    computed: list[int] = []
    taken_directly: list[int] = []

    def taker(batch: Any, start: int) -> tuple[int, bool]:
        if not computed:
            return start, False  # the task computes it
        taken_directly.extend(le.entry.position for le in batch[start:])
        return len(batch), False

    async def subscriber() -> None:
        feed = await broker.subscribe()
        feed.taker = taker
        computed.extend(le.entry.position for le in await feed.next_batch())

    tasks = [asyncio.ensure_future(subscriber()) for _ in range(3)]
    await asyncio.sleep(0.1)
    positions = await append(pool, uuid4(), [1])
    done, _ = await asyncio.wait(tasks, timeout=5, return_when=asyncio.FIRST_COMPLETED)
    for _ in range(100):
        if len(taken_directly) == 2 * len(positions):
            break
        await asyncio.sleep(0.01)
    assert computed == positions and len(done) == 1
    assert taken_directly == positions * 2
    for task in tasks:
        task.cancel()


async def test_reconnecting_to_a_server_that_refuses_backs_off(pool: asyncpg.Pool) -> None:
    """Its listener's server refuses every connection (nothing on the port):
    with a first wait of 0.05 s doubling, about 6 attempts in 1.6 s, not 30."""
    live = LiveBroker(f"postgresql://postgres@127.0.0.1:{free_port()}/none", pool,
                      LiveLimits(poll_seconds=30), retry_seconds=0.05)
    await live.subscribe()  # starts the listener
    await asyncio.sleep(1.6)
    await live.stop()
    assert 3 <= live.reconnects <= 8
