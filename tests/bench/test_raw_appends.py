"""The writes target's denominator (bench/raw_appends.py): stock eventsourcing
appends on the test's own database, and the client CPU each one cost."""

from __future__ import annotations

import os

import psycopg

from bench.raw_appends import SCHEMA, appends_per_second


def test_raw_appends_are_counted_in_the_database_with_their_client_cpu(
        database_url: str) -> None:
    done = appends_per_second(database_url, seconds=0.5, threads=2)
    with psycopg.connect(database_url) as conn:
        stored = conn.execute(f"SELECT count(*) FROM {SCHEMA}.baseline_events").fetchone()
    assert stored is not None
    assert stored[0] == done["raw_appends"] + 1  # and the warm-up's
    assert done["raw_appends_per_s"] > 0
    # Python and PostgreSQL were both busy: some CPU each, and no more than every
    # core for the window (half a second, with room for the threads' last saves).
    for part in ("client", "postgresql", "machine"):
        spent_ms = done[f"raw_{part}_cpu_ms_per_append"] * done["raw_appends"]
        assert 0 < spent_ms <= 1000 * 1.0 * (os.cpu_count() or 1), part
