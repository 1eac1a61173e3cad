"""The rebuild engine (projections/fanout.py): one reader, one lane per
projection, each lane committing its rows with its position. Its rows equal
the live projector's, and a lane that dies mid-way resumes exactly once."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from projections import fanout
from projections.access import AccessProjection
from projections.engine import Projector
from projections.organisations import OrganisationsProjection
from tests.projections.support import (
    Crash,
    CrashingAfter,
    Probe,
    ledger_size,
    probed,
    read_model,
    reset_read_model,
    tracked,
)


def connector(database_url: str) -> fanout.Connect:
    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(database_url)
    return connect


async def replay(database_url: str, projections: list[Any], pool: asyncpg.Pool,
                 batch_size: int, lanes: int = 2) -> int:
    await Projector(pool, projections).ensure_tracking()
    head = await ledger_size(pool)
    return await fanout.replay(connector(database_url), projections, head, lanes=lanes,
                               batch_size=batch_size, depth=1)


async def live_rows(pool: asyncpg.Pool) -> dict[str, list[tuple[Any, ...]]]:
    """What the live projector makes from position 0."""
    await reset_read_model(pool)
    await Projector(pool, [AccessProjection(), OrganisationsProjection()]).catch_up()
    return await read_model(pool)


@pytest.mark.parametrize(("batch_size", "lanes"), [(1, 3), (4, 2), (5000, 1), (7, 3)])
async def test_lanes_make_the_rows_of_the_live_projector_and_track_the_head(
    database_url: str, pool: asyncpg.Pool, history: int, batch_size: int, lanes: int,
) -> None:
    await Projector(pool, [AccessProjection(), OrganisationsProjection()]).ensure_tracking()
    expected = await live_rows(pool)
    await reset_read_model(pool)
    projections = [AccessProjection(), OrganisationsProjection(), Probe()]
    assert await replay(database_url, projections, pool, batch_size, lanes) == history
    assert await read_model(pool) == expected
    assert await tracked(pool) == {"access": history, "organisations": history,
                                   "probe": history}
    assert await probed(pool) == list(range(1, history + 1))  # each entry once


# Batches of 4: the crash leaves the other lanes ahead of the crashed one.
@pytest.mark.parametrize("rows_before_crash", [0, 6, 13, 25])
async def test_a_lane_that_dies_mid_batch_resumes_exactly_once(
    database_url: str, pool: asyncpg.Pool, history: int, rows_before_crash: int,
) -> None:
    await Projector(pool, [AccessProjection(), OrganisationsProjection()]).ensure_tracking()
    expected = await live_rows(pool)
    await reset_read_model(pool)
    crashing = CrashingAfter(OrganisationsProjection(), rows_before_crash)
    with pytest.raises(Crash):
        await replay(database_url, [AccessProjection(), crashing, Probe()], pool, 4)
    positions = await tracked(pool)
    assert positions["organisations"] <= rows_before_crash  # its last commit, no further
    await replay(database_url, [AccessProjection(), OrganisationsProjection(), Probe()],
                 pool, 4)
    assert await read_model(pool) == expected
    assert await probed(pool) == list(range(1, history + 1))
    assert set((await tracked(pool)).values()) == {history}
