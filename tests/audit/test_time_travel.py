"""Time travel on the organisation types: the state as it stood, folded from events."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from projections.organisations import evolve_member, member_key
from projections.queries.timetravel import fold_keyed
from tests.audit.conftest import AUDITOR, OPERATOR, Story, register_corporate
from tests.support.api import Api

STARTUP = """query($id: ID!, $asOf: DateTime, $v: Int) {
  startup(id: $id, asOf: $asOf, atVersion: $v) { version name description city updatedAt } }"""
CORPORATE = """query($id: ID!, $asOf: DateTime, $v: Int) {
  corporate(id: $id, asOf: $asOf, atVersion: $v) { version name communityMember } }"""
ADMIT = "mutation($id: ID!) { admitToCommunity(corporateId: $id) { userErrors { code } } }"


async def startup_at(api: Api, story: Story, *, as_of: datetime | str | None = None,
                     version: int | None = None) -> dict[str, object] | None:
    when = as_of.isoformat() if isinstance(as_of, datetime) else as_of
    data = await api.data(STARTUP, {"id": story.id, "asOf": when, "v": version})
    result: dict[str, object] | None = data["startup"]
    return result


def moment(story: Story, version: int) -> datetime:
    return datetime.fromisoformat(story.history[version - 1]["occurredAt"])


async def test_a_startup_at_version_1_is_as_registered(api: Api, story: Story) -> None:
    assert await startup_at(api, story, version=1) == {
        "version": 1, "name": "Batterix", "description": "Batteries sodium-ion",
        "city": "Grenoble", "updatedAt": story.history[0]["occurredAt"]}


async def test_a_startup_at_a_middle_version_has_that_versions_values(
    api: Api, story: Story
) -> None:
    past = await startup_at(api, story, version=3)
    assert past is not None
    assert (past["version"], past["name"], past["city"]) == (3, "Batterix", "Lyon")


async def test_a_startup_between_two_events_is_as_after_the_first(api: Api, story: Story) -> None:
    between = moment(story, 2) + (moment(story, 3) - moment(story, 2)) / 2
    past = await startup_at(api, story, as_of=between)
    assert past is not None
    assert (past["version"], past["description"], past["city"]) == (
        2, "Batteries sodium-ion v2", "Grenoble")


async def test_a_startup_at_the_exact_time_of_an_event_includes_it(
    api: Api, story: Story
) -> None:
    past = await startup_at(api, story, as_of=story.history[3]["occurredAt"])
    assert past is not None and past["version"] == 4


async def test_a_startup_before_its_creation_is_null(api: Api, story: Story) -> None:
    assert await startup_at(api, story, as_of=moment(story, 1) - timedelta(microseconds=1)) is None


async def test_as_of_and_at_version_together_take_the_earlier(api: Api, story: Story) -> None:
    past = await startup_at(api, story, as_of=moment(story, 4), version=2)
    assert past is not None and past["version"] == 2


async def test_the_present_equals_the_read_model(api: Api, story: Story) -> None:
    now = await startup_at(api, story)
    folded = await startup_at(api, story, version=len(story.history))
    assert now == folded


async def test_a_corporate_at_each_point_in_its_history(api: Api) -> None:
    corporate_id = await register_corporate(api, "Énergéia", 7)
    admitted = await api.data(ADMIT, {"id": corporate_id}, as_user=OPERATOR)
    assert admitted["admitToCommunity"]["userErrors"] == []
    entries = (await api.data(
        "query($id: ID!) { corporate(id: $id) { history { nodes { occurredAt } } } }",
        {"id": corporate_id}, as_user=AUDITOR))["corporate"]["history"]["nodes"]
    first = datetime.fromisoformat(entries[0]["occurredAt"])

    async def at(as_of: datetime | None = None, v: int | None = None) -> object:
        when = as_of.isoformat() if as_of else None
        return (await api.data(CORPORATE, {"id": corporate_id, "asOf": when, "v": v}))["corporate"]

    assert await at(v=1) == {"version": 1, "name": "Énergéia", "communityMember": False}
    assert await at(v=2) == {"version": 2, "name": "Énergéia", "communityMember": True}
    assert await at(as_of=first) == {"version": 1, "name": "Énergéia", "communityMember": False}
    assert await at(as_of=first - timedelta(microseconds=1)) is None


async def test_a_startup_id_asked_as_a_corporate_is_null_in_the_past_too(
    api: Api, story: Story
) -> None:
    data = await api.data(CORPORATE, {"id": story.id, "asOf": None, "v": 1})
    assert data["corporate"] is None


async def test_members_can_be_folded_as_of_a_version(api: Api, story: Story,
                                                     database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        at_1 = await fold_keyed(conn, UUID(story.id), member_key, evolve_member, None, 1)
        at_5 = await fold_keyed(conn, UUID(story.id), member_key, evolve_member, None, 5)
    finally:
        await conn.close()
    assert [user for _, user in at_1] == ["alice"]
    assert [(user, row["role"]) for (_, user), row in at_5.items()] == [
        ("alice", "ADMIN"), ("bruno", "MEMBER")]
