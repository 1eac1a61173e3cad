"""The projector applies every ledger entry exactly once, whatever happens:
crashes mid-batch, restarts, two projectors at once, projections added later."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest

from projections.access import AccessProjection
from projections.engine import Projector
from projections.organisations import OrganisationsProjection
from tests.projections.support import (
    Crash,
    CrashingAfter,
    Probe,
    kill_connection,
    ledger_size,
    probed,
    read_model,
    reset_read_model,
    tracked,
)

OpenPool = Callable[[], Any]


def real(pool: asyncpg.Pool, *extra: Any, batch_size: int = 500) -> Projector:
    return Projector(pool, [AccessProjection(), OrganisationsProjection(), *extra], batch_size)


async def rebuilt_from_zero(pool: asyncpg.Pool) -> dict[str, list[tuple[Any, ...]]]:
    """The read model a projector builds from position 0 in one go."""
    await reset_read_model(pool)
    await real(pool).catch_up()
    return await read_model(pool)


async def test_catching_up_projects_every_entry_and_tracks_the_head(
    pool: asyncpg.Pool, history: int,
) -> None:
    projector = real(pool, batch_size=10)
    await projector.ensure_tracking()
    assert await projector.catch_up() == history
    assert await tracked(pool) == {"access": history, "organisations": history}
    rows = await read_model(pool)
    assert (len(rows["organisations"]), len(rows["organisation_members"])) == (9, 15)


# Batches of 4: a crash after 25 rows re-runs LabelGranted of a stream registered
# in the previous batch, which a double application would show as a repeated label.
@pytest.mark.parametrize("rows_before_crash", [0, 6, 13, 25])
async def test_a_projector_killed_mid_batch_then_restarted_yields_the_rows_of_a_rebuild(
    open_pool: OpenPool, rows_before_crash: int,
) -> None:
    crashed = await open_pool()
    projector = Projector(crashed, [AccessProjection(), CrashingAfter(
        OrganisationsProjection(), rows_before_crash)], batch_size=4)
    await projector.ensure_tracking()
    with pytest.raises(Crash):
        await projector.catch_up()
    await crashed.close()
    restarted = await open_pool()
    await real(restarted, batch_size=4).catch_up()
    after_restart = await read_model(restarted)
    assert after_restart == await rebuilt_from_zero(restarted)


async def test_a_crash_mid_batch_keeps_only_the_batches_committed_before_it(
    pool: asyncpg.Pool,
) -> None:
    projector = Projector(pool, [AccessProjection(), CrashingAfter(
        OrganisationsProjection(), 14)], batch_size=10)
    await projector.ensure_tracking()
    with pytest.raises(Crash):
        await projector.catch_up()
    assert await tracked(pool) == {"access": 10, "organisations": 10}
    crashed = await read_model(pool)
    await reset_read_model(pool)
    await real(pool, batch_size=10).run_once()
    assert crashed == await read_model(pool)


async def test_a_projector_whose_database_session_dies_mid_batch_recovers_without_loss(
    pool: asyncpg.Pool, history: int,
) -> None:
    projector = Projector(pool, [AccessProjection(), CrashingAfter(
        OrganisationsProjection(), 13, crash=kill_connection)], batch_size=10)
    await projector.ensure_tracking()
    with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
        await projector.catch_up()
    assert await tracked(pool) == {"access": 10, "organisations": 10}
    await real(pool, batch_size=10).catch_up()
    recovered = await read_model(pool)
    assert recovered == await rebuilt_from_zero(pool)


async def test_every_entry_is_applied_exactly_once_across_restarts(
    open_pool: OpenPool, history: int,
) -> None:
    for _restart in range(4):
        pool = await open_pool()
        projector = real(pool, Probe(), batch_size=4)
        await projector.ensure_tracking()
        await projector.run_once()
        await projector.run_once()
        await pool.close()
    last = await open_pool()
    await real(last, Probe(), batch_size=4).catch_up()
    assert await probed(last) == list(range(1, history + 1))


async def test_every_entry_is_applied_exactly_once_across_crashes(
    open_pool: OpenPool, history: int,
) -> None:
    for rows in (3, 9, 2):
        pool = await open_pool()
        projector = Projector(pool, [CrashingAfter(Probe(), rows)], batch_size=5)
        await projector.ensure_tracking()
        with pytest.raises(Crash):
            await projector.catch_up()
        await pool.close()
    last = await open_pool()
    await Projector(last, [Probe()], batch_size=5).catch_up()
    assert await probed(last) == list(range(1, history + 1))


async def test_two_projectors_running_at_once_apply_each_entry_once(
    open_pool: OpenPool, history: int,
) -> None:
    first, second = await open_pool(), await open_pool()
    projectors = [real(p, Probe(pause=0.005), batch_size=3) for p in (first, second)]
    await projectors[0].ensure_tracking()
    await asyncio.gather(*(p.catch_up() for p in projectors))
    assert await probed(first) == list(range(1, history + 1))
    assert await read_model(first) == await rebuilt_from_zero(first)


async def test_a_projection_added_later_starts_from_zero_without_replaying_to_the_others(
    pool: asyncpg.Pool, history: int,
) -> None:
    before = real(pool, Probe("early"))
    await before.ensure_tracking()
    await before.catch_up()
    after = real(pool, Probe("early"), Probe("late"))
    await after.ensure_tracking()
    await after.catch_up()
    assert await probed(pool, "early") == list(range(1, history + 1))
    assert await probed(pool, "late") == list(range(1, history + 1))


async def test_new_entries_are_projected_after_the_head_was_reached(
    pool: asyncpg.Pool, history: int,
) -> None:
    projector = real(pool, Probe())
    await projector.ensure_tracking()
    await projector.catch_up()
    assert await projector.run_once() == 0
    await pool.execute("SELECT ledger_append(ARRAY[gen_random_uuid()], ARRAY[1::bigint],"
                       " ARRAY['tests:Thing.Happened'], ARRAY['{}'::bytea])")
    assert await projector.catch_up() == history + 1
    assert await ledger_size(pool) == history + 1
    assert (await probed(pool))[-1] == history + 1
