"""Parties of the end-to-end stories: a corporate and its rival, three startups."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.calls.flows import done, register
from tests.support.api import Api

CAROL, RITA = ("carol", "corporate"), ("rita", "corporate")
ALICE, BRUNO, GINA = ("alice", "startup"), ("bruno", "startup"), ("gina", "startup")


@dataclass
class Parties:
    corp: str
    rival: str
    alpha: str
    beta: str
    gamma: str
    alpha_solution: str


@pytest.fixture
async def parties(api: Api) -> Parties:
    corp = await register(api, "Corporate", "Énergéia", "carol", 11)
    rival = await register(api, "Corporate", "Rivale", "rita", 12)
    alpha = await register(api, "Startup", "Batterix", "alice", 21)
    beta = await register(api, "Startup", "Hydrogène des Alpes", "bruno", 22)
    gamma = await register(api, "Startup", "Tardive", "gina", 23)
    solution = await done(api, "publishSolution", {
        "startupId": alpha, "title": "Batterie sodium-ion", "summary": "Stockage stationnaire",
        "trl": 6, "sectors": ["Énergie"]}, ALICE)
    return Parties(corp, rival, alpha, beta, gamma, solution["id"])
