"""Rows a rebuild knows are new go in by COPY: every projection rebuilt that
way (and without it) equals the live read models, and a lane that dies after
copying rows resumes exactly once (the copied rows roll back with its position).
Search vectors computed during the fill or at the end give the same tables,
and the rebuild computes them during the fill only for a ledger whose streams
are written within a batch."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import pytest

from infra.settings import Settings
from projections import base, rebuild
from projections.access import AccessProjection
from projections.engine import Projector
from projections.entries import Entry
from projections.organisations import OrganisationsProjection
from projections.rebuild import rebuild_many, vectors_in_fill
from server import _load_demo_if_empty, projections
from tests.projections.support import (
    Crash,
    Probe,
    probed,
    read_model,
    reset_read_model,
    tracked,
)
from tests.projections.test_fanout import live_rows, replay
from tests.projections.test_rebuild_many import snapshot
from wiring.slices import all_slices


@pytest.mark.parametrize(("copy_min", "late_share_max"),
                         [(1, 1.0), (1, -1.0), (10**9, 1.0), (10**9, -1.0)])
async def test_every_projection_rebuilt_with_or_without_copies_equals_the_live_one(
    settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch, copy_min: int,
    late_share_max: float,
) -> None:
    await _load_demo_if_empty(settings, database_url)  # the live projector's read models
    monkeypatch.setattr(base, "COPY_MIN", copy_min)
    # 1.0: vectors computed during the fill; -1.0: at the end.
    monkeypatch.setattr(rebuild, "LATE_SHARE_MAX", late_share_max)
    chosen = projections(all_slices())
    tables = [t for p in chosen for t in p.tables]
    conn = await asyncpg.connect(database_url)
    try:
        before = await snapshot(conn, tables)
        await rebuild_many(database_url, chosen, batch_size=61)
        after = await snapshot(conn, tables)
    finally:
        await conn.close()
    for table in tables:
        assert after[table] == before[table], table


class CrashAfterCopy:
    """Organisations, crashing inside its transaction once its rows are copied."""

    name = "organisations"
    tables = OrganisationsProjection.tables

    def __init__(self, batches: int) -> None:
        self.inner = OrganisationsProjection()
        self.batches = batches

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        await self.inner.apply(conn, entries)
        self.batches -= 1
        if self.batches == 0:
            raise Crash


@pytest.mark.parametrize("batches_before_crash", [1, 3])
async def test_a_lane_that_dies_after_copying_resumes_exactly_once(
    database_url: str, pool: asyncpg.Pool, history: int, monkeypatch: pytest.MonkeyPatch,
    batches_before_crash: int,
) -> None:
    monkeypatch.setattr(base, "COPY_MIN", 1)
    await Projector(pool, [AccessProjection(), OrganisationsProjection()]).ensure_tracking()
    expected = await live_rows(pool)
    await reset_read_model(pool)
    with pytest.raises(Crash):
        await replay(database_url, [AccessProjection(), CrashAfterCopy(batches_before_crash),
                                    Probe()], pool, 5)
    assert (await tracked(pool))["organisations"] == 5 * (batches_before_crash - 1)
    await replay(database_url, [AccessProjection(), OrganisationsProjection(), Probe()],
                 pool, 5)
    assert await read_model(pool) == expected
    assert await probed(pool) == list(range(1, history + 1))
    assert set((await tracked(pool)).values()) == {history}


async def test_vectors_are_computed_during_the_fill_only_if_streams_fit_in_a_batch(
    pool: asyncpg.Pool, history: int,
) -> None:
    async with pool.acquire() as conn:
        # The history's streams span its 36 entries: in batches of 5,000 every
        # entry meets its stream's first; in batches of 1 most come later.
        assert await vectors_in_fill(conn, OrganisationsProjection(), 5000)
        assert not await vectors_in_fill(conn, OrganisationsProjection(), 1)
