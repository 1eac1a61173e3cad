"""The startup directory over HTTP: keyset pagination, `first` bounds, search
and filters, and single startups read as of a past version or moment. One
directory of 105 startups for the whole module (these tests only read)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import pytest_asyncio

from domain.actors import Role
from domain.organisations import commands as c
from domain.organisations.service import OrganisationService
from infra.eventstore import open_write_side
from infra.settings import Settings
from tests.organisations.builders import ctx, register_startup
from tests.organisations.documents import UPDATE_STARTUP, codes
from tests.organisations.documents import register_startup as register_over_http
from tests.support.api import Api

pytestmark = pytest.mark.asyncio(loop_scope="module")

SIZE = 105
SECTORS = ["Energy", "Health", "Mobility"]
PAGE = """query($first: Int, $after: String, $filter: StartupFilter) {
  startups(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name } }
  }
}"""
AT = """query($id: ID!, $asOf: DateTime, $atVersion: Int) {
  startup(id: $id, asOf: $asOf, atVersion: $atVersion) { name city version }
}"""


def seed(settings: Settings) -> None:
    """Startups 0..103 straight through the service; every 10th labelled NEXT40."""
    assert settings.database_url
    write = open_write_side(settings.database_url, pool_size=2)
    service = OrganisationService(write.ledger, write.memberships, write.vault)
    described = {7: "Électrolyseurs compacts pour l'hydrogène vert industriel",
                 8: "Batteries sodium-ion sans cobalt"}
    try:
        for n in range(SIZE - 1):
            command = register_startup(
                1000 + n, name=f"Startup {n:03d}", sectors=[SECTORS[n % 3]],
                technologies=["Hydrogen"] if n % 5 == 0 else ["Software"],
                description=described.get(n, f"Startup number {n}"))
            sid = service.register_startup(command, ctx(f"founder{n}", Role.STARTUP)).stream_id
            if n % 10 == 0:
                service.grant_label(c.ChangeLabel(startup_id=sid, label="NEXT40"),
                                    ctx("op", Role.OPERATOR))
    finally:
        write.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def directory(module_api: Api, module_settings: Settings) -> dict[str, Any]:
    """Given 104 seeded startups and one, "Zeta", registered then updated twice
    over HTTP. Returns Zeta's id and the time of each of its versions."""
    await asyncio.to_thread(seed, module_settings)
    zeta = (await register_over_http(module_api, 1, "zoe", name="Zeta"))["id"]
    for change in ({"city": "Lyon"}, {"name": "Zeta Renamed"}):
        await module_api.data(UPDATE_STARTUP, {"i": {"id": zeta, **change}},
                              as_user=("zoe", "startup"))
    history = await module_api.data(
        "query($id: ID!) { startup(id: $id) { history { nodes { occurredAt } } } }",
        {"id": zeta}, as_user=("audrey", "auditor"))
    times = [n["occurredAt"] for n in history["startup"]["history"]["nodes"]]
    return {"api": module_api, "zeta": zeta, "times": times}


async def page(directory: dict[str, Any], **variables: Any) -> dict[str, Any]:
    data = await directory["api"].data(PAGE, variables)
    result: dict[str, Any] = data["startups"]
    return result


async def names(directory: dict[str, Any], **filter: Any) -> list[str]:
    result = await page(directory, first=100, filter=filter)
    return [e["node"]["name"] for e in result["edges"]]


async def test_first_above_100_is_capped_at_100_with_more_to_come(directory: Any) -> None:
    result = await page(directory, first=500)
    assert (len(result["edges"]), result["pageInfo"]["hasNextPage"]) == (100, True)


@pytest.mark.parametrize("first", [0, -5])
async def test_first_below_1_is_a_top_level_error(directory: Any, first: int) -> None:
    body = await directory["api"].gql(PAGE, {"first": first})
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_following_the_cursors_walks_the_whole_directory_once_in_name_order(
    directory: Any,
) -> None:
    seen: list[str] = []
    after = None
    while True:
        result = await page(directory, first=20, after=after)
        seen += [e["node"]["name"] for e in result["edges"]]
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == SIZE
    assert seen == sorted(seen)


async def test_every_page_counts_the_whole_list(directory: Any) -> None:
    first = await page(directory, first=20)
    second = await page(directory, first=20, after=first["pageInfo"]["endCursor"])
    assert first["totalCount"] == second["totalCount"] == SIZE


async def test_only_pages_after_a_cursor_have_a_previous_page(directory: Any) -> None:
    first = await page(directory, first=20)
    second = await page(directory, first=20, after=first["pageInfo"]["endCursor"])
    assert (first["pageInfo"]["hasPreviousPage"], second["pageInfo"]["hasPreviousPage"]) == (
        False, True)


async def test_each_edges_cursor_resumes_right_after_it(directory: Any) -> None:
    first = await page(directory, first=10)
    resumed = await page(directory, first=1, after=first["edges"][4]["cursor"])
    assert resumed["edges"][0]["node"] == first["edges"][5]["node"]


async def test_a_cursor_this_api_did_not_issue_is_a_top_level_error(directory: Any) -> None:
    body = await directory["api"].gql(PAGE, {"after": "not-a-cursor"})
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_search_ignores_accents_and_plurals(directory: Any) -> None:
    assert await names(directory, search="electrolyseur hydrogene") == ["Startup 007"]


async def test_search_pages_carry_the_matching_count(directory: Any) -> None:
    result = await page(directory, first=5, filter={"search": "batterie"})
    assert (result["totalCount"], [e["node"]["name"] for e in result["edges"]]) == (
        1, ["Startup 008"])


async def test_the_sector_filter_keeps_the_startups_of_that_sector(directory: Any) -> None:
    result = await page(directory, first=1, filter={"sector": "Health"})
    assert result["totalCount"] == 35


async def test_the_technology_filter_keeps_the_startups_using_it(directory: Any) -> None:
    assert len(await names(directory, technology="Hydrogen")) == 21


async def test_the_label_filter_keeps_the_labelled_startups(directory: Any) -> None:
    assert await names(directory, label="NEXT40") == [f"Startup {n:03d}" for n in range(0, 104, 10)]


async def test_filters_combine(directory: Any) -> None:
    assert await names(directory, label="NEXT40", sector="Energy") == [
        "Startup 000", "Startup 030", "Startup 060", "Startup 090"]


async def test_a_startup_reads_as_it_now_stands_by_default(directory: Any) -> None:
    data = await directory["api"].data(AT, {"id": directory["zeta"]})
    assert data["startup"] == {"name": "Zeta Renamed", "city": "Lyon", "version": 3}


async def test_a_startup_reads_as_it_stood_at_a_version(directory: Any) -> None:
    data = await directory["api"].data(AT, {"id": directory["zeta"], "atVersion": 2})
    assert data["startup"] == {"name": "Zeta", "city": "Lyon", "version": 2}


async def test_a_startup_reads_as_it_stood_at_a_moment(directory: Any) -> None:
    data = await directory["api"].data(AT, {"id": directory["zeta"],
                                            "asOf": directory["times"][0]})
    assert data["startup"] == {"name": "Zeta", "city": None, "version": 1}


async def test_a_startup_read_before_it_existed_is_null(directory: Any) -> None:
    data = await directory["api"].data(AT, {"id": directory["zeta"],
                                            "asOf": "2000-01-01T00:00:00Z"})
    assert data["startup"] is None


async def test_a_version_below_1_is_a_top_level_error(directory: Any) -> None:
    body = await directory["api"].gql(AT, {"id": directory["zeta"], "atVersion": 0})
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_node_resolves_a_startup_by_its_id(directory: Any) -> None:
    data = await directory["api"].data(
        "query($id: ID!) { node(id: $id) { __typename ... on Startup { name } } }",
        {"id": directory["zeta"]})
    assert data["node"] == {"__typename": "Startup", "name": "Zeta Renamed"}
