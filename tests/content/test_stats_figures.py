"""The key figures of a scripted history, computed by hand (tests/content/history.py).

The history is fed to the stats projection as hand-made ledger entries (its
`apply`, on PostgreSQL), so the test depends on the event catalogue only, not
on the calls and deals slices' code."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg
import pytest

from projections.entries import Entry
from projections.queries.stats import platform_figures
from projections.stats import StatsProjection
from tests.content.history import EXPECTED, scripted_entries


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url)
    yield connection
    await connection.close()


async def project(conn: asyncpg.Connection, batches: Sequence[Sequence[Entry]]) -> dict[str, Any]:
    projection = StatsProjection()
    for batch in batches:
        async with conn.transaction():
            await projection.apply(conn, batch)
    return dataclasses.asdict(await platform_figures(conn))


def assert_expected(figures: dict[str, Any]) -> None:
    rate = figures.pop("pilot_to_order_rate")
    expected = dict(EXPECTED)
    assert rate == pytest.approx(expected.pop("pilot_to_order_rate"))
    assert figures == expected


async def test_the_figures_of_a_scripted_history_match_the_hand_computed_ones(
    conn: asyncpg.Connection,
) -> None:
    assert_expected(await project(conn, [scripted_entries()]))


async def test_the_figures_do_not_depend_on_how_entries_are_batched(
    conn: asyncpg.Connection,
) -> None:
    assert_expected(await project(conn, [[e] for e in scripted_entries()]))


async def test_an_empty_ledger_reports_zeros_and_no_medians(conn: asyncpg.Connection) -> None:
    figures = await project(conn, [])
    assert figures["startups"] == figures["orders_issued"] == 0
    assert figures["orders_value"] == {} and figures["loans_disbursed"] == {}
    assert figures["median_days_application_to_agreement"] is None
    assert figures["pilot_to_order_rate"] is None


async def test_an_agreement_in_force_without_an_application_is_left_out_of_the_first_median(
    conn: asyncpg.Connection,
) -> None:
    only_direct = [e for e in scripted_entries() if e.type != "ApplicationSubmitted"]
    figures = await project(conn, [only_direct])
    assert figures["median_days_application_to_agreement"] is None
    assert figures["median_days_agreement_to_order"] == 9.5
