"""Fixtures of the projector tests: a ledger with history whose read models
are still empty, and pools to run projectors on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import UUID

import asyncpg
import pytest

from domain.actors import MemberRole, Role
from domain.organisations import commands as c
from domain.organisations.service import OrganisationService
from infra.eventstore import open_write_side
from tests.organisations.builders import ctx, register_corporate, register_startup

HISTORY_SIZE = 36


class _AdminOfAll(dict[UUID, MemberRole]):
    def get(self, key: Any, default: Any = None) -> MemberRole:
        return MemberRole.ADMIN


class EveryoneIsAdmin:
    """Memberships that let anyone act for any organisation, so the history is
    recorded without a projector (the projector is what these tests examine)."""

    def roles_of(self, user_id: str) -> dict[UUID, MemberRole]:
        return _AdminOfAll()


def record_history(service: OrganisationService) -> None:
    """Startups and corporates with updates, members, labels and admissions."""
    op = ctx("op", Role.OPERATOR)
    for n in range(1, 7):
        admin = ctx(f"s{n}", Role.STARTUP)
        sid = service.register_startup(register_startup(n), admin).stream_id
        service.grant_label(c.ChangeLabel(startup_id=sid, label="DEEPTECH"), op)
        service.update_startup_profile(
            c.UpdateStartupProfile(id=sid, city=f"City {n}", sectors=["Energy"]), admin)
        service.add_member(c.AddMember(organisation_id=sid, user_id=f"m{n}",
                                       display_name=f"M {n}", email=f"m{n}@x.fr"), admin)
        if n % 2:
            service.revoke_label(c.ChangeLabel(startup_id=sid, label="DEEPTECH"), op)
    for n in range(50, 53):
        admin = ctx(f"c{n}", Role.CORPORATE)
        cid = service.register_corporate(register_corporate(n), admin).stream_id
        service.admit_to_community(c.AdmitToCommunity(corporate_id=cid), op)
        service.update_corporate_profile(c.UpdateCorporateProfile(id=cid, sector="Rail"), admin)


@pytest.fixture
def history(database_url: str) -> int:
    """Given a ledger with history and no projection run yet; returns its size."""
    write = open_write_side(database_url, pool_size=2)
    try:
        record_history(OrganisationService(write.ledger, EveryoneIsAdmin(), write.vault))
    finally:
        write.close()
    return HISTORY_SIZE


@pytest.fixture
async def open_pool(database_url: str, history: int) -> AsyncIterator[Callable[[], Any]]:
    """`await open_pool()` opens one more pool (one per simulated process)."""
    pools: list[asyncpg.Pool] = []

    async def open_one() -> asyncpg.Pool:
        pools.append(await asyncpg.create_pool(database_url, min_size=1, max_size=3))
        return pools[-1]

    first = await open_one()
    await first.execute(
        "CREATE TABLE projection_probe (name text NOT NULL, position bigint NOT NULL)")
    yield open_one
    for pool in pools:
        await pool.close()


@pytest.fixture
async def pool(open_pool: Callable[[], Any]) -> asyncpg.Pool:
    """A pool on the ledger with history."""
    return await open_pool()


@pytest.fixture
async def empty_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on an empty, migrated database."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    yield pool
    await pool.close()
