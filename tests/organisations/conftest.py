"""Fixtures of the organisations tests: aggregates given in a known state, and
the real write side (eventsourcing on PostgreSQL) with a projector beside it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
import pytest_asyncio

from domain.organisations.aggregates import Corporate, Startup
from domain.organisations.service import OrganisationService
from infra.eventstore import WriteSide, open_write_side
from projections.access import AccessProjection
from projections.engine import Projector
from projections.organisations import OrganisationsProjection
from tests.organisations.builders import META
from tests.organisations.documents import (
    ADD_MEMBER,
    World,
    register_corporate,
    register_startup,
)
from tests.organisations.fixtures import module_api, module_settings  # noqa: F401 (fixtures)
from tests.support.api import Api


@pytest.fixture
def startup() -> Startup:
    """Given a registered startup whose admin is alice (its events already saved)."""
    registered = Startup(
        name="Batterix", siren="732829320", description="Sodium-ion batteries",
        website=None, city="Grenoble", founded_year=2018, sectors=["Energy"],
        technologies=["Battery"], admin_user_id="alice", admin_contact="pii:v1:alice",
        meta=META,
    )
    registered.collect_events()
    return registered


@pytest.fixture
def corporate() -> Corporate:
    """Given a registered corporate whose admin is carol (its events already saved)."""
    registered = Corporate(
        name="Energeia", siren="552100554", description="Electricity",
        website=None, sector="Energy", admin_user_id="carol", admin_contact="pii:v1:carol",
        meta=META,
    )
    registered.collect_events()
    return registered


@pytest.fixture
def write_side(database_url: str) -> Iterator[WriteSide]:
    """The ledger application and its ports on this test's database."""
    write = open_write_side(database_url, pool_size=12)
    yield write
    write.close()


@pytest.fixture
def service(write_side: WriteSide) -> OrganisationService:
    return OrganisationService(write_side.ledger, write_side.memberships, write_side.vault)


@pytest.fixture
async def projector(database_url: str) -> AsyncIterator[Projector]:
    """Brings the read models (memberships included) up to date: `await projector.catch_up()`."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    projector = Projector(pool, [AccessProjection(), OrganisationsProjection()])
    await projector.ensure_tracking()
    yield projector
    await pool.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(module_api: Api) -> World:  # noqa: F811 (the fixture imported above)
    """Given startup A (alice ADMIN, bob MEMBER), startup M (mallory ADMIN),
    corporate C (carol ADMIN), all recorded through the API."""
    a = await register_startup(module_api, 1, "alice", sectors=["Energy"])
    m = await register_startup(module_api, 2, "mallory")
    c = await register_corporate(module_api, 3, "carol")
    added = await module_api.data(ADD_MEMBER, {"i": {
        "organisationId": a["id"], "userId": "bob", "displayName": "Bob Durand",
        "email": "bob@example.fr"}}, as_user=("alice", "startup"))
    assert added["addMember"]["userErrors"] == []
    return World(module_api, a["id"], m["id"], c["id"])
