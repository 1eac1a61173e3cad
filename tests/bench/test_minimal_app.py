"""The floor's least write (bench/minimal_app.py) really writes: the ledger's
event and the read model's row, with its search vector, for each mutation."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from bench import minimal_app
from bench.__main__ import registrations


async def test_a_registration_appends_its_event_and_inserts_its_searchable_row(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIMAL_DATABASE_URL", database_url)
    request = registrations(1)[0]
    app = minimal_app.app
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://minimal") as client:
        answers = [(await client.post("/graphql", json=request["body"])).json()
                   for _ in range(3)]
    ids = {a["data"]["registerStartup"]["startup"]["id"] for a in answers}
    assert len(ids) == 3
    with psycopg.connect(database_url) as conn:
        events = conn.execute(
            f"SELECT originator_id::text FROM {minimal_app.SCHEMA}.baseline_events").fetchall()
        rows = conn.execute(
            f"SELECT id::text, name, search @@ to_tsquery('french', 'banc')"
            f" FROM {minimal_app.ROWS}").fetchall()
    assert {e[0] for e in events} == ids
    assert {r[0] for r in rows} == ids
    assert all(name == "Bench {n}" and found for _id, name, found in rows)
