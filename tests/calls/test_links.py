"""Startup.solutions, Startup.applications and Corporate.calls, called as the
functions the organisation types will call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest

from domain.actors import Actor, Role
from infra.settings import Settings
from schema.calls.links import corporate_calls, startup_applications
from schema.context import Context, Loaders
from schema.directory.links import startup_solutions
from server import create_app, services_for
from tests.calls.conftest import ALICE, CAROL, Parties
from tests.calls.flows import call_input, done, iso_in
from tests.support.api import Api
from wiring.slices import all_slices


@pytest.fixture
async def info_for(api: Api, settings: Settings) -> AsyncIterator[Any]:
    """`info_for(user, role)`: a resolver's info on a second app over the same database."""
    assert settings.database_url
    app = create_app(settings, settings.database_url, run_projector=False)
    async with app.router.lifespan_context(app):
        services = services_for(all_slices(), app.state.runtime)

        def make(user: str | None, role: Role) -> Any:
            context = Context(services, Actor(user, role), "links", Loaders.create(services.pool))
            return SimpleNamespace(context=context)

        yield make


async def test_a_startup_and_a_corporate_list_what_they_own(
    api: Api, parties: Parties, info_for: Any
) -> None:
    call = await done(api, "draftCall", call_input(parties.corp, iso_in(3600)), CAROL)
    await done(api, "publishCall", {"id": call["id"]}, CAROL)
    await done(api, "draftCall", call_input(parties.corp, iso_in(3600)), CAROL)
    await done(api, "submitApplication", {"callId": call["id"], "startupId": parties.alpha,
                                          "pitch": "Pitch"}, ALICE)
    alpha, corp = UUID(parties.alpha), UUID(parties.corp)
    visitor, carol = info_for(None, Role.VISITOR), info_for("carol", Role.CORPORATE)
    assert (await startup_solutions(visitor, alpha, 20, None)).total_count == 1
    assert (await corporate_calls(visitor, corp, 20, None)).total_count == 1
    assert (await corporate_calls(carol, corp, 20, None)).total_count == 2
    assert (await startup_applications(visitor, alpha, 20, None)).total_count == 0
    assert (await startup_applications(carol, alpha, 20, None)).total_count == 1
    mine = await startup_applications(info_for("alice", Role.STARTUP), alpha, 20, None)
    assert mine.nodes[0].status.value == "SUBMITTED"


async def test_a_startups_own_members_also_see_its_withdrawn_solutions(
    api: Api, parties: Parties, info_for: Any
) -> None:
    withdraw = "mutation($id: ID!) { withdrawSolution(id: $id) { userErrors { code } } }"
    await api.data(withdraw, {"id": parties.alpha_solution}, as_user=ALICE)
    alpha = UUID(parties.alpha)
    assert (await startup_solutions(info_for(None, Role.VISITOR), alpha, 20, None)).nodes == []
    own = await startup_solutions(info_for("alice", Role.STARTUP), alpha, 20, None)
    assert [s.status.value for s in own.nodes] == ["WITHDRAWN"]
