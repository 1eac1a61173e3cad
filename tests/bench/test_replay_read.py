"""The replay's least work (bench/replay_read.py): the fill's reader alone
reads and decodes every entry of the ledger once, whatever the batch size."""

from __future__ import annotations

import psycopg
import pytest

from bench.replay_read import read_every_entry, read_only
from tests.projections.conftest import HISTORY_SIZE, history  # noqa: F401 (a fixture)


def _ledger_size(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM ledger_events").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize("batch_size", [1, 5, 5000])  # 36 entries: 5 leaves a partial batch
async def test_every_entry_is_read_once(database_url: str, batch_size: int) -> None:
    assert _ledger_size(database_url) == HISTORY_SIZE

    assert await read_every_entry(database_url, batch_size) == HISTORY_SIZE


async def test_an_empty_ledger_reads_nothing(database_url: str) -> None:
    figures = await read_only(database_url)

    assert figures["read_only_events"] == 0.0


@pytest.mark.usefixtures("history")
async def test_the_figures_are_per_entry(database_url: str) -> None:
    figures = await read_only(database_url, batch_size=3)

    assert figures["read_only_events"] == HISTORY_SIZE
    assert figures["read_only_events_per_s"] > 0
    assert figures["read_only_python_us_per_entry"] >= 0
