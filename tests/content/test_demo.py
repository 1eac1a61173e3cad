"""The demo data of the content slice, loaded after the earlier slices' demos
exactly as `server.py serve` does on an empty ledger."""

from __future__ import annotations

import asyncpg
import pytest

from infra.settings import Settings
from server import _load_demo_if_empty


@pytest.mark.slow
async def test_the_demo_publishes_content_events_and_case_studies(
    settings: Settings, database_url: str
) -> None:
    await _load_demo_if_empty(settings, database_url)
    conn = await asyncpg.connect(database_url)
    try:
        kinds = {r["kind"] for r in await conn.fetch("SELECT kind FROM resources")}
        events = await conn.fetch("SELECT starts_at < now() AS past, cancelled,"
                                  " cardinality(registered) AS seats FROM platform_events")
        studies = await conn.fetch("SELECT published FROM case_studies")
        counted = await conn.fetchval("SELECT value FROM stats_counters WHERE name = 'startups'")
        listed = await conn.fetchval("SELECT count(*) FROM organisations WHERE kind = 'STARTUP'")
    finally:
        await conn.close()
    assert kinds == {"GUIDE", "ARTICLE", "TEMPLATE", "VIDEO"}
    assert {(e["past"], e["cancelled"]) for e in events} == {
        (True, False), (False, False), (False, True)}
    assert any(e["seats"] for e in events)
    assert {s["published"] for s in studies} == {True, False}
    assert counted == listed > 0
