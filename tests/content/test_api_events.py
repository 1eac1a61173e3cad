"""Platform events end to end: scheduling, registration (once per
organisation, within capacity), cancellation, and the upcoming list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.content.conftest import Parties
from tests.content.support import ERRORS, OPERATOR, codes, mutate
from tests.support.api import Api

FIELDS = "id title capacity registeredCount seatsLeft cancelled"
SCHEDULE = f"""mutation($i: ScheduleEventInput!) {{ scheduleEvent(input: $i) {{
  event {{ {FIELDS} }} {ERRORS} }} }}"""
REGISTER = f"""mutation($i: RegisterForEventInput!) {{ registerForEvent(input: $i) {{
  event {{ {FIELDS} }} {ERRORS} }} }}"""
CANCEL = f"""mutation($id: ID!) {{ cancelEvent(id: $id) {{ event {{ {FIELDS} }} {ERRORS} }} }}"""
LIST = """query($upcoming: Boolean) { events(upcomingOnly: $upcoming) {
  totalCount nodes { title cancelled } } }"""
ALICE, CAROL = ("alice", "startup"), ("carol", "corporate")
MISSING = "00000000-0000-4000-8000-000000000000"


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def schedule(api: Api, title: str = "Rencontres", days: int = 10, capacity: int = 2,
                   as_user: tuple[str, str] = OPERATOR, starts_at: str | None = None
                   ) -> dict[str, Any]:
    variables = {"i": {"title": title, "startsAt": starts_at or in_days(days),
                       "location": "Lyon", "capacity": capacity}}
    return await mutate(api, SCHEDULE, "scheduleEvent", variables, as_user)


async def scheduled(api: Api, **kwargs: Any) -> str:
    payload = await schedule(api, **kwargs)
    assert payload["userErrors"] == []
    event_id: str = payload["event"]["id"]
    return event_id


async def register(api: Api, event: str, org: str, as_user: tuple[str, str]) -> dict[str, Any]:
    return await mutate(api, REGISTER, "registerForEvent",
                        {"i": {"id": event, "organisationId": org}}, as_user)


async def cancel(api: Api, event: str, as_user: tuple[str, str] = OPERATOR) -> dict[str, Any]:
    return await mutate(api, CANCEL, "cancelEvent", {"id": event}, as_user)


async def test_events_are_listed_upcoming_soonest_first_or_all_latest_first(api: Api) -> None:
    for title, days in (("Plus tard", 30), ("Passé", -5), ("Bientôt", 3)):
        await scheduled(api, title=title, days=days)
    upcoming = (await api.data(LIST, {"upcoming": True}))["events"]
    assert [n["title"] for n in upcoming["nodes"]] == ["Bientôt", "Plus tard"]
    everything = (await api.data(LIST, {"upcoming": False}))["events"]
    assert [n["title"] for n in everything["nodes"]] == ["Plus tard", "Bientôt", "Passé"]
    assert (await api.data("{ events { totalCount } }"))["events"]["totalCount"] == 2


async def test_only_operators_schedule_events(api: Api, parties: Parties) -> None:
    assert codes(await schedule(api, as_user=ALICE)) == [("FORBIDDEN", [])]


async def test_an_event_holds_at_least_one_organisation(api: Api) -> None:
    assert codes(await schedule(api, capacity=0)) == [("INVALID", ["input", "capacity"])]


async def test_an_event_start_needs_a_time_zone(api: Api) -> None:
    payload = await schedule(api, starts_at="2031-03-01T09:00:00")
    assert codes(payload) == [("INVALID", ["input", "startsAt"])]


async def test_a_member_registers_their_organisation_once(api: Api, parties: Parties) -> None:
    event = await scheduled(api)
    first = await register(api, event, parties.startup, ALICE)
    assert (first["event"]["registeredCount"], first["event"]["seatsLeft"]) == (1, 1)
    again = await register(api, event, parties.startup, ALICE)
    assert codes(again) == [("RULE_VIOLATION", ["input", "organisationId"])]


async def test_a_full_event_refuses_registrations(api: Api, parties: Parties) -> None:
    event = await scheduled(api, capacity=1)
    await register(api, event, parties.startup, ALICE)
    refused = await register(api, event, parties.corporate, CAROL)
    assert codes(refused) == [("RULE_VIOLATION", [])]
    assert "full" in refused["userErrors"][0]["message"]


async def test_a_user_registers_only_organisations_they_belong_to(
    api: Api, parties: Parties
) -> None:
    event = await scheduled(api)
    refused = await register(api, event, parties.corporate, ALICE)
    assert codes(refused) == [("FORBIDDEN", ["input", "organisationId"])]
    assert codes(await register(api, event, parties.startup, OPERATOR))[0][0] == "FORBIDDEN"


async def test_a_cancelled_event_refuses_registrations(api: Api, parties: Parties) -> None:
    event = await scheduled(api)
    assert (await cancel(api, event))["event"]["cancelled"] is True
    refused = await register(api, event, parties.startup, ALICE)
    assert codes(refused) == [("RULE_VIOLATION", [])]
    assert codes(await cancel(api, event)) == [("RULE_VIOLATION", [])]


async def test_only_operators_cancel_events(api: Api, parties: Parties) -> None:
    event = await scheduled(api)
    assert codes(await cancel(api, event, ALICE)) == [("FORBIDDEN", [])]


async def test_an_unknown_event_is_not_found(api: Api, parties: Parties) -> None:
    assert codes(await cancel(api, MISSING))[0][0] == "NOT_FOUND"
    assert codes(await register(api, MISSING, parties.startup, ALICE))[0][0] == "NOT_FOUND"
    assert codes(await register(api, parties.startup, parties.startup, ALICE))[0][0] == "NOT_FOUND"
