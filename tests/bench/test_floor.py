"""The write target's floor (bench/floor.py): the bare path answers the
bench's own registration document, and the floor adds up what it says."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bench.__main__ import registrations
from bench.cpu import cores as available_cores
from bench.floor import MinimalOptions, figures
from bench.floor_app import app


async def test_the_bare_path_answers_the_benchs_registration_document() -> None:
    request = registrations(1)[0]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://bare") as client:
        response = await client.post("/graphql", json=request["body"],
                                     headers={"authorization": f"Bearer {request['token']}"})
    assert response.status_code == 200
    assert response.json() == {"data": {"registerStartup": {
        "startup": {"id": "00000000-0000-0000-0000-000000000000", "name": "Bench {n}",
                    "version": 1},
        "userErrors": []}}}


def cpu(machine: float, server: float, postgresql: float, children: float) -> dict[str, float]:
    return {"machine": machine, "server": server, "postgresql": postgresql,
            "server_children": children}


def test_the_floor_is_the_bare_path_plus_what_the_database_and_projector_spend() -> None:
    runs: dict[str, list[Any]] = {
        "raw": [2000.0, 4000.0, 3000.0],
        "raw_cpu": [{"client": c, "postgresql": c / 2, "machine": 2 * c} for c in (0.3, 0.2, 0.25)],
        "ours": [700.0, 800.0, 900.0],
        "bare": [3000.0, 3000.0, 3000.0],
        "ours_cpu": [cpu(2.0, 1.0, 0.5, 0.2)] * 3,
        # The idle database's 0.1 ms is not the bare stack's.
        "bare_cpu": [cpu(0.5, 0.3, 0.1, 0.0)] * 3,
        "minimal": [1200.0, 1500.0, 1800.0], "minimal_cpu": [cpu(1.2, 0.1, 0.4, 0.5)] * 3}
    result = figures(runs)
    cores = available_cores()
    assert result["raw_appends_per_s"] == 3000.0
    assert result["budget_ms_per_mutation"] == pytest.approx(cores * 1000 / 1500)
    assert result["floor_ms_per_mutation"] == pytest.approx(0.4 + 0.5 + 0.2)
    assert result["floor_vs_budget"] == pytest.approx(1.1 / (cores * 1000 / 1500))
    assert result["allowed_ms_per_mutation"] == pytest.approx(cores * 1000 / 1500 - 1.1)
    assert result["raw_client_ms_per_append"] == pytest.approx(0.25)
    assert result["raw_postgresql_ms_per_append"] == pytest.approx(0.125)
    assert result["raw_machine_ms_per_append"] == pytest.approx(0.5)
    assert result["minimal_vs_raw_appends"] == pytest.approx(1500 / 3000)
    assert result["minimal_machine_ms"] == pytest.approx(1.2)  # the database's work is its own
    # uvicorn's supervisor and its workers, when it runs several.
    assert result["minimal_http_process_ms"] == pytest.approx(0.6)
    assert result["mutations_vs_raw_appends"] == pytest.approx(800 / 3000)
    assert result["floor_mutations_vs_raw_appends"] == pytest.approx(cores * 1000 / 1.1 / 3000)


def test_the_least_writes_clients_are_split_among_its_workers() -> None:
    env = MinimalOptions(workers=3, commit="loop", parallel=True).env("postgresql://x/y", 16)

    assert env == {"MINIMAL_DATABASE_URL": "postgresql://x/y", "MINIMAL_COMMIT": "loop",
                   "MINIMAL_PARALLEL": "1", "MINIMAL_THREADS": "5"}
    assert MinimalOptions().env("u", 16)["MINIMAL_THREADS"] == "16"
