"""Agreements expire when their duration has run out: the platform's duty
records `AgreementExpired` (the whole app in-process, its clock moved on),
the read model and the API show EXPIRED, and an expired agreement backs no
order. The rules themselves: test_agreement_rules.py and test_agreement_access.py."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from dateutil.relativedelta import relativedelta

from infra.duty import Duty
from infra.expiry import PLATFORM, expiry_duty
from infra.settings import Settings
from server import create_app
from tests.conftest import TokenFactory
from tests.deals.client import AUDITOR, DealsClient
from tests.deals.story import ALICE, CAROL, PILOT_TERMS, Parties, register
from tests.support.api import Api
from wiring import Slice
from wiring.deals import SLICE as DEALS
from wiring.slices import all_slices

HISTORY = """query($id: ID!) { agreement(id: $id) {
  history { nodes { type actor { userId role } payload } } } }"""


def months_on(months: int) -> Callable[[], datetime]:
    """A clock `months` ahead of the wall clock."""
    return lambda: datetime.now(UTC) + relativedelta(months=months)


def with_clock(clock: Callable[[], datetime]) -> list[Slice]:
    """Every slice, the deals one sweeping every 50 ms with this clock."""
    def duties(services: dict[str, Any], pool: Any, _settings: Settings) -> list[Duty]:
        return [expiry_duty(pool, services["agreements"], 0.05, clock)]
    return [dataclasses.replace(s, duties=duties) if s is DEALS else s for s in all_slices()]


@pytest.fixture
async def later(settings: Settings, make_token: TokenFactory) -> AsyncIterator[DealsClient]:
    """The app whose expiry duty believes it is seven months from now."""
    assert settings.database_url
    app = create_app(settings, settings.database_url, slices=with_clock(months_on(7)))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://passerelle") as http:
            yield DealsClient(Api(http, make_token))


async def in_force(client: DealsClient, p: Parties, months: int) -> str:
    agreement = await client.ok("proposeAgreement", {
        "kind": "PILOT", "title": f"Pilote de {months} mois", "corporateId": p.corporate,
        "startupId": p.startup, "terms": {**PILOT_TERMS, "durationMonths": months}}, ALICE)
    for org, user in ((p.startup, ALICE), (p.corporate, CAROL)):
        await client.ok("signAgreement", {"id": agreement["id"], "organisationId": org,
                                          "revision": 1}, user)
    return str(agreement["id"])


async def status_becomes(client: DealsClient, agreement_id: str, status: str) -> None:
    deadline = time.monotonic() + 15
    while (await client.read("agreement", agreement_id, AUDITOR) or {}).get("status") != status:
        assert time.monotonic() < deadline, f"{agreement_id} never became {status}"
        await asyncio.sleep(0.05)


async def test_an_agreement_past_its_duration_is_expired_by_the_platform(
    later: DealsClient,
) -> None:
    p = await register(later)
    six = await in_force(later, p, 6)
    twelve = await in_force(later, p, 12)
    await status_becomes(later, six, "EXPIRED")
    assert (await later.history("agreement", six))[-1] == "AgreementExpired"
    entry = (await later.api.data(HISTORY, {"id": six}, as_user=AUDITOR))[
        "agreement"]["history"]["nodes"][-1]
    assert entry["actor"] == {"userId": PLATFORM.user_id, "role": "OPERATOR"}
    in_force_at = datetime.fromisoformat((await later.read("agreement", six, AUDITOR) or {})[
        "inForceAt"])
    until = datetime.fromisoformat(entry["payload"]["until"])  # when its six months ran out
    assert abs(until - (in_force_at + relativedelta(months=6))).total_seconds() < 1
    await asyncio.sleep(0.3)  # several sweeps later: recorded once, the longer one untouched
    assert (await later.history("agreement", six)).count("AgreementExpired") == 1
    assert (await later.read("agreement", twelve, AUDITOR) or {})["status"] == "IN_FORCE"
    await later.refused("issueOrder", {
        "corporateId": p.corporate, "startupId": p.startup, "agreementId": six,
        "reference": "BC-2031-001", "lines": [{"description": "Batterie", "quantity": 1,
                                               "unitPrice": {"amount": "1000"}}]},
        CAROL, "RULE_VIOLATION")


async def test_nothing_expires_before_its_time(settings: Settings,
                                               make_token: TokenFactory) -> None:
    assert settings.database_url
    app = create_app(settings, settings.database_url,
                     slices=with_clock(months_on(5)))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://passerelle") as http:
            client = DealsClient(Api(http, make_token))
            six = await in_force(client, await register(client), 6)
            runs = app.state.duties[0].runs
            while app.state.duties[0].runs < runs + 3:  # three sweeps after it was in force
                await asyncio.sleep(0.05)
            assert (await client.read("agreement", six, AUDITOR) or {})["status"] == "IN_FORCE"


def test_the_deals_slice_sweeps_at_the_configured_period_unless_disabled(
    settings: Settings,
) -> None:
    services = {"agreements": object()}
    [duty] = DEALS.duties(services, None, settings.model_copy(
        update={"expiry_sweep_seconds": 120.0}))
    assert (duty.name, duty.every_seconds) == ("agreement expiry", 120.0)
    assert DEALS.duties(services, None, settings.model_copy(
        update={"expiry_sweep_seconds": 0.0})) == []
