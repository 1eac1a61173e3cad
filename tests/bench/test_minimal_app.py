"""The floor's least write (bench/minimal_app.py) really writes: the ledger's
event and the read model's row, with its search vector, for each mutation,
whichever way its commands are grouped; grouped on the loop, the commands
waiting at a moment share one save, and a failed save fails each of them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from bench import minimal_app
from bench.__main__ import registrations
from bench.raw_appends import Dot


@pytest.mark.parametrize(("commit", "parallel"), [("threads", "0"), ("loop", "0"),
                                                  ("loop", "1")])
async def test_a_registration_appends_its_event_and_inserts_its_searchable_row(
        database_url: str, monkeypatch: pytest.MonkeyPatch, commit: str, parallel: str) -> None:
    monkeypatch.setenv("MINIMAL_DATABASE_URL", database_url)
    monkeypatch.setenv("MINIMAL_COMMIT", commit)
    monkeypatch.setenv("MINIMAL_PARALLEL", parallel)
    request = registrations(1)[0]
    app = minimal_app.app
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://minimal") as client:
        answers = await asyncio.gather(*(client.post("/graphql", json=request["body"])
                                         for _ in range(5)))
    ids = {a.json()["data"]["registerStartup"]["startup"]["id"] for a in answers}
    assert len(ids) == 5
    with psycopg.connect(database_url) as conn:
        events = conn.execute(
            f"SELECT originator_id::text FROM {minimal_app.SCHEMA}.baseline_events").fetchall()
        rows = conn.execute(
            f"SELECT id::text, name, search @@ to_tsquery('french', 'banc')"
            f" FROM {minimal_app.ROWS}").fetchall()
    assert {e[0] for e in events} == ids
    assert {r[0] for r in rows} == ids
    assert all(name == "Bench {n}" and found for _id, name, found in rows)


async def test_an_unknown_grouping_is_refused(database_url: str) -> None:
    with pytest.raises(ValueError, match="MINIMAL_COMMIT"):
        async with minimal_app.open_writes(database_url, commit="fibres"):
            pass


def _dots(n: int) -> list[Dot]:
    return [Dot(f"S{k}", "000000000", "", {}) for k in range(n)]


async def test_commands_waiting_on_the_loop_share_a_save() -> None:
    saved: list[list[Dot]] = []
    with ThreadPoolExecutor(2) as threads:
        commits = minimal_app.LoopGroupCommit(lambda dots: saved.append(list(dots)), threads,
                                              max_batch=4)
        dots = _dots(9)
        await asyncio.gather(*(commits.submit(dot) for dot in dots))
    assert [dot for batch in saved for dot in batch] == dots  # each once, in order
    # All nine arrived before the loop ran the first save: batches as large as allowed.
    assert [len(batch) for batch in saved] == [4, 4, 1]


async def test_a_failed_save_fails_every_command_of_its_batch_and_not_the_next() -> None:
    calls: list[int] = []

    def save(dots: Sequence[Dot]) -> None:
        calls.append(len(dots))
        if len(calls) == 1:
            raise RuntimeError("the database went away")

    with ThreadPoolExecutor(1) as threads:
        commits = minimal_app.LoopGroupCommit(save, threads)
        outcomes = await asyncio.gather(*(commits.submit(dot) for dot in _dots(3)),
                                        return_exceptions=True)
        assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)
        await commits.submit(_dots(1)[0])  # the next batch goes through
    assert calls == [3, 1]
