"""Agreements expire when their duration has run out: the platform's duty
records `AgreementExpired` (the whole app in-process, its clock moved on),
the read model and the API show EXPIRED, and an expired agreement backs no
order. The rules themselves: test_agreement_rules.py and test_agreement_access.py."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import orjson
import pytest
from dateutil.relativedelta import relativedelta

from infra.duty import Duty
from infra.expiry import PLATFORM, expiry_duty
from infra.settings import Settings
from projections.queries.agreements import due_for_expiry
from tests.conftest import TokenFactory
from tests.deals.client import AUDITOR, DealsClient
from tests.deals.story import ALICE, CAROL, PILOT_TERMS, Parties, register
from tests.support.api import running_api
from tests.support.waiting import eventually
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
    async with running_api(settings, make_token, with_clock(months_on(7))) as api:
        yield DealsClient(api)


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
    sweeps: list[datetime] = []

    def five_months_on() -> datetime:  # called once per sweep
        sweeps.append(months_on(5)())
        return sweeps[-1]

    async with running_api(settings, make_token, with_clock(five_months_on)) as api:
        client = DealsClient(api)
        six = await in_force(client, await register(client), 6)
        done = len(sweeps)
        await eventually(lambda: len(sweeps) >= done + 3)  # three sweeps after it was in force
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


@pytest.mark.parametrize(("in_force_at", "months", "until"), [
    # End of month: a month after 28 February is 28 March, wherever the session is.
    (datetime(2025, 2, 28, 23, 30, tzinfo=UTC), 1, datetime(2025, 3, 28, 23, 30, tzinfo=UTC)),
    # 30 January + 1 month: clamped to 28 February, as relativedelta does.
    (datetime(2025, 1, 30, 23, 30, tzinfo=UTC), 1, datetime(2025, 2, 28, 23, 30, tzinfo=UTC)),
    # Across the change to summer time in Paris.
    (datetime(2025, 3, 15, 12, 0, tzinfo=UTC), 1, datetime(2025, 4, 15, 12, 0, tzinfo=UTC)),
])
async def test_the_read_model_finds_what_the_domain_would_expire_in_any_session_time_zone(
    database_url: str, in_force_at: datetime, months: int, until: datetime,
) -> None:
    assert in_force_at + relativedelta(months=months) == until  # the domain's arithmetic
    conn = await asyncpg.connect(database_url, server_settings={"timezone": "Europe/Paris"})
    try:
        agreement_id = uuid4()
        await conn.execute(
            "INSERT INTO agreements (id, kind, title, corporate_id, startup_id, revision, terms,"
            " terms_hash, status, in_force_at, version, created_position, created_at, updated_at)"
            " VALUES ($1, 'PILOT', 'Pilote', $2, $3, 1, $4, 'h', 'IN_FORCE', $5, 4, 1, $5, $5)",
            agreement_id, uuid4(), uuid4(), orjson.dumps({"duration_months": months}).decode(),
            in_force_at)
        assert await due_for_expiry(conn, until - timedelta(microseconds=1)) == []
        assert await due_for_expiry(conn, until) == [agreement_id]
    finally:
        await conn.close()
