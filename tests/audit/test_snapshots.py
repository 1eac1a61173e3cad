"""Read-side snapshots: written every 100 versions, and never change an answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from bench.b_audit import append_long_stream
from projections.base import Row
from projections.entries import ENTRY_COLUMNS, entry_from_row
from projections.organisations import evolve_organisation
from projections.queries.timetravel import fold_stream
from projections.snapshots import SnapshotProjection, decode_row, encode_row, fold_name
from tests.support.api import Api


async def settled(conn: asyncpg.Connection) -> None:
    head = await conn.fetchval("SELECT max(notification_id) FROM ledger_events")
    for _ in range(200):
        if await conn.fetchval("SELECT min(position) FROM projection_tracking") >= head:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("projections did not catch up")


async def reference(conn: asyncpg.Connection, stream_id: UUID, upto: int) -> Row | None:
    """The fold without any snapshot: every event from version 1."""
    rows = await conn.fetch(f"SELECT {ENTRY_COLUMNS} FROM ledger_events WHERE originator_id = $1"
                            " AND originator_version <= $2 ORDER BY originator_version",
                            stream_id, upto)
    row: Row | None = None
    for r in rows:
        row = evolve_organisation(row, entry_from_row(r))
    return row


@pytest.fixture
async def long_stream(api: Api, database_url: str) -> Any:
    stream_id = await asyncio.to_thread(append_long_stream, database_url, 250)
    conn = await asyncpg.connect(database_url)
    await settled(conn)
    yield stream_id, conn
    await conn.close()


async def test_a_snapshot_is_written_every_100_versions(long_stream: Any) -> None:
    stream_id, conn = long_stream
    versions = await conn.fetch("SELECT version FROM read_snapshots WHERE stream_id = $1"
                                " ORDER BY version", stream_id)
    assert [r["version"] for r in versions] == [100, 200]


@pytest.mark.parametrize("version", [1, 99, 100, 101, 199, 200, 250])
async def test_folding_from_a_snapshot_gives_the_full_folds_row(long_stream: Any,
                                                                version: int) -> None:
    stream_id, conn = long_stream
    folded = await fold_stream(conn, stream_id, evolve_organisation, None, version)
    assert folded == await reference(conn, stream_id, version)


async def test_as_of_a_time_uses_only_snapshots_taken_by_then(long_stream: Any) -> None:
    stream_id, conn = long_stream
    # One transaction: every event shares one timestamp; before it, nothing existed.
    at = await conn.fetchval("SELECT occurred_at FROM ledger_events WHERE originator_id = $1"
                             " AND originator_version = 1", stream_id)
    just_before = at - timedelta(microseconds=1)
    assert await fold_stream(conn, stream_id, evolve_organisation, just_before) is None
    assert await fold_stream(conn, stream_id, evolve_organisation, at) == \
        await reference(conn, stream_id, 250)


async def test_another_evolve_never_reads_these_snapshots(long_stream: Any) -> None:
    stream_id, conn = long_stream

    def count_events(row: Row | None, entry: Any) -> Row | None:
        return {"events": (row or {"events": 0})["events"] + 1}

    assert await fold_stream(conn, stream_id, count_events, None, 250) == {"events": 250}


async def test_rebuilding_the_snapshots_yields_the_same_rows(long_stream: Any) -> None:
    _, conn = long_stream
    before = await conn.fetch("SELECT version, row::text FROM read_snapshots ORDER BY version")
    await conn.execute("DELETE FROM read_snapshots")
    entries = [entry_from_row(r) for r in await conn.fetch(
        f"SELECT {ENTRY_COLUMNS} FROM ledger_events ORDER BY notification_id")]
    projection = SnapshotProjection({"Startup": evolve_organisation}, fold_stream)
    async with conn.transaction():
        await projection.apply(conn, entries)
        await projection.apply(conn, entries)  # idempotent
    after = await conn.fetch("SELECT version, row::text FROM read_snapshots ORDER BY version")
    assert after == before


def test_rows_survive_the_round_trip_with_their_types() -> None:
    row = {
        "id": uuid4(), "at": datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC),
        "paris": datetime(2026, 3, 1, 13, 30, tzinfo=timezone(timedelta(hours=1))),
        "naive": datetime(2026, 3, 1), "day": date(2026, 3, 1), "amount": Decimal("1234.50"),
        "ratio": 0.25, "inf": float("inf"), "huge": 2**70, "flag": True, "none": None,
        "tags": ["a", "b"], "pair": (1, "x"), "nested": {"$odd": 1, "deep": [{"k": Decimal("1")}]},
        "by_id": {uuid4(): "uuid keys"}, "raw": b"\x00\xff",
    }
    back = decode_row(encode_row(row))
    assert back == row
    assert [type(v) for v in back.values()] == [type(v) for v in row.values()]
    assert list(back) == list(row)


def test_a_value_it_cannot_restore_refuses_to_snapshot() -> None:
    with pytest.raises(TypeError):
        encode_row({"when": timedelta(days=1)})


def test_snapshots_are_keyed_by_the_evolve_that_built_them() -> None:
    assert fold_name(evolve_organisation) == "projections.organisations.evolve_organisation"
