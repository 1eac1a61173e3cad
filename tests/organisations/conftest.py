"""Fixtures of the organisations tests: aggregates given in a known state, and
the real write side (eventsourcing on PostgreSQL) with a projector beside it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass

import asyncpg
import pytest
import pytest_asyncio

from domain.organisations.aggregates import Corporate, Startup
from domain.organisations.service import OrganisationService
from infra.auth import issue_token
from infra.eventstore import WriteSide, open_write_side
from infra.settings import Settings
from projections.access import AccessProjection
from projections.engine import Projector
from projections.organisations import OrganisationsProjection
from tests.organisations.builders import META
from tests.organisations.documents import ADD_MEMBER, register_corporate, register_startup
from tests.support.api import Api, running_api
from tests.support.db import TemplateDatabases


@dataclass(frozen=True)
class World:
    """Organisations recorded once for a whole test module, and who is who."""

    api: Api
    startup: str  # A: alice ADMIN, bob MEMBER
    other_startup: str  # M: mallory ADMIN
    corporate: str  # C: carol ADMIN

    @property
    def integrator(self) -> tuple[str, str, list[str]]:
        """An integrator whose token grants the view of startup A."""
        return ("bot", "integrator", [self.startup])


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


MODULE_JWT_SECRET = "passerelle-module-test-secret-0123456789"


@pytest.fixture(scope="module")
def module_settings(_template_databases: TemplateDatabases, tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[Settings]:
    """Settings on a database shared by one test module (for tests that only read,
    or whose commands are refused and so write nothing)."""
    name, url = _template_databases.clone()
    with pytest.MonkeyPatch.context() as env:
        for variable in list(os.environ):
            if variable.upper().startswith("PASSERELLE_") or variable.upper() == "DATABASE_URL":
                env.delenv(variable)
        yield Settings(database_url=url, jwt_secret=MODULE_JWT_SECRET,
                       data_dir=tmp_path_factory.mktemp("module"), rate_limit_per_token=0,
                       rate_limit_per_ip=0, access_log=False)
    _template_databases.drop_later(name)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_api(module_settings: Settings) -> AsyncIterator[Api]:
    """The whole app on the module's database (tests using it run in the module's loop)."""
    def token(sub: str, role: str, orgs: Iterable[str] = ()) -> str:
        return issue_token(module_settings, sub=sub, role=role, orgs=orgs)

    async with running_api(module_settings, token) as api:
        yield api


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(module_api: Api) -> World:
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
