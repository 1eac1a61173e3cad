"""Fixtures of the content tests: the ledger beside the running API, and two
organisations (alice's startup, carol's corporate) plus an outsider (eve's)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from domain.ledger import Ledger
from infra.eventstore import open_write_side
from tests.content.support import register_corporate, register_startup
from tests.support.api import Api


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    """The ledger application on this test's database (to record agreements)."""
    write = open_write_side(database_url, pool_size=2)
    yield write.ledger
    write.close()


@dataclass(frozen=True)
class Parties:
    startup: str  # alice is its admin
    corporate: str  # carol is its admin
    outsider: str  # eve's startup, party to nothing


@pytest.fixture
async def parties(api: Api) -> Parties:
    return Parties(
        startup=await register_startup(api, "alice", 1, "Batterix"),
        corporate=await register_corporate(api, "carol", 2, "Énergéia"),
        outsider=await register_startup(api, "eve", 3, "Qubitek"),
    )
