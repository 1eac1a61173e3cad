"""Many server processes on one database: live entries and read-your-writes
across instances; exactly one projection leader, replaced within seconds when
killed (SIGKILL), with read models equal to a rebuild from the ledger."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator

import asyncpg
import pytest

from projections.engine import LEADER_LOCK
from tests.live.support import (
    BulkWriter,
    gql,
    head,
    launch,
    live_client,
    register_startup,
    servers,
    token,
)
from tests.support.db import TemplateDatabases
from tests.support.rebuild import tables_unlike_a_rebuild

AUDITOR = token("multi-aud", "auditor")
STARTUP = "query($id: ID!) { startup(id: $id) { id name } }"
LEADERS = ("SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
           " WHERE d.datname = current_database() AND l.locktype = 'advisory' AND l.granted"
           " AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 1")


async def test_a_mutation_on_one_instance_reaches_subscribers_and_readers_of_another(
    database_url: str,
) -> None:
    with servers(database_url, count=2) as (a, b):
        start = await head(b.url)
        async with live_client(b.ws_url, AUDITOR) as client:
            await client.subscribe(after=start, fields="position streamId type")
            startup = await register_startup(a.url, "multi-founder", 141)
            read_at_once = await gql(b.url, STARTUP, {"id": startup}, AUDITOR)
            [entry] = await client.entries_until(start + 1)
    assert entry == {"position": start + 1, "streamId": startup, "type": "StartupRegistered"}
    assert read_at_once["startup"] == {"id": startup, "name": "Startup 141"}


async def _leaders(conn: asyncpg.Connection) -> list[int]:
    rows = await conn.fetch(LEADERS, LEADER_LOCK >> 32, LEADER_LOCK & 0xFFFFFFFF)
    return [r["pid"] for r in rows]


async def _until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> float:
    """Seconds until the async predicate holds."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < timeout, "condition not met in time"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def rebuild_url(_template_databases: TemplateDatabases) -> Iterator[str]:
    """A fresh migrated database to rebuild the read models in."""
    name, url = _template_databases.clone()
    yield url
    _template_databases.drop_later(name)


async def _write_in_background(writer: BulkWriter, startup: str, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await writer.append_async(startup, 20)
        await asyncio.sleep(0.01)


async def test_when_the_projection_leader_is_killed_another_takes_over_and_matches_a_rebuild(
    database_url: str, rebuild_url: str,
) -> None:
    conn, writer = await asyncpg.connect(database_url), BulkWriter(database_url)
    first = launch(database_url)
    try:
        first.wait_ready()
        await _until(lambda: _leaders_exist(conn))
        [killed_leader] = await _leaders(conn)
        with servers(database_url) as [second]:
            startup = await register_startup(first.url, "leader-founder", 151)
            stop = asyncio.Event()
            background = asyncio.create_task(_write_in_background(writer, startup, stop))
            await asyncio.sleep(0.5)
            first.kill()  # mid-batch, most likely: writes keep coming
            takeover = await _until(lambda: _new_leader(conn, killed_leader))
            later = await register_startup(second.url, "after-founder", 152)  # waits for it
            stop.set()
            await background
            seen = await gql(second.url, STARTUP, {"id": later}, AUDITOR)
            await _until(lambda: _projected_to_head(conn))
            assert len(await _leaders(conn)) == 1
    finally:
        first.kill()
        first.log.unlink(missing_ok=True)
        await conn.close()
        writer.close()
    print(f"projection leader takeover after SIGKILL: {takeover:.2f} s")
    assert takeover < 5
    assert seen["startup"]["id"] == later
    assert await tables_unlike_a_rebuild(database_url, rebuild_url) == []


async def _leaders_exist(conn: asyncpg.Connection) -> bool:
    return bool(await _leaders(conn))


async def _new_leader(conn: asyncpg.Connection, old: int) -> bool:
    return any(pid != old for pid in await _leaders(conn))


async def _projected_to_head(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval(
        "SELECT (SELECT min(position) FROM projection_tracking)"
        " = (SELECT max(notification_id) FROM ledger_events)"))
