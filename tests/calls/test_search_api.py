"""Full-text search over solutions and calls: French and English, accents
folded, plurals stemmed, ranked, combined with filters and keyset pages."""

from __future__ import annotations

from typing import Any

from tests.calls.conftest import ALICE, CAROL, Parties
from tests.calls.flows import call_input, done, iso_in
from tests.support.api import Api

SOLUTIONS = """query($f: SolutionFilter, $first: Int, $after: String) {
  solutions(filter: $f, first: $first, after: $after) {
    totalCount nodes { title } pageInfo { hasNextPage endCursor } } }"""
CALLS = """query($f: CallFilter) { calls(filter: $f) { totalCount nodes { title status } } }"""


async def _solutions(api: Api, first: int = 20, after: str | None = None, **f: Any) -> Any:
    data = await api.data(SOLUTIONS, {"f": f, "first": first, "after": after})
    return data["solutions"]


async def _publish(api: Api, p: Parties, title: str, summary: str, trl: int) -> str:
    solution = await done(api, "publishSolution", {"startupId": p.alpha, "title": title,
                                                   "summary": summary, "trl": trl}, ALICE)
    return str(solution["id"])


async def test_solutions_are_found_without_accents_and_in_the_plural(
    api: Api, parties: Parties
) -> None:
    await _publish(api, parties, "Pile à hydrogène", "Énergie décarbonée pour engins", 4)
    await _publish(api, parties, "Réseau de capteurs", "Mesure des sols", 7)
    assert {n["title"] for n in (await _solutions(api, search="energie"))["nodes"]} == {
        "Batterie sodium-ion", "Pile à hydrogène"}  # the first by its sector "Énergie"
    assert [n["title"] for n in (await _solutions(api, search="batteries"))["nodes"]] == [
        "Batterie sodium-ion"]
    assert [n["title"] for n in (await _solutions(api, search="réseaux capteur"))["nodes"]] == [
        "Réseau de capteurs"]
    assert (await _solutions(api, search="energie", minTrl=5))["totalCount"] == 1


async def test_search_results_are_ranked_and_paged_by_keyset_without_repeats(
    api: Api, parties: Parties
) -> None:
    for i in range(3):
        await _publish(api, parties, f"Stockage {i}", "Stockage d'énergie " * (i + 1), 5)
    first = await _solutions(api, first=2, search="stockage")
    rest = await _solutions(api, first=2, after=first["pageInfo"]["endCursor"], search="stockage")
    titles = [n["title"] for n in first["nodes"] + rest["nodes"]]
    assert (first["totalCount"], first["pageInfo"]["hasNextPage"]) == (4, True)
    assert titles[0] == "Stockage 2"  # the most mentions of the word rank first
    assert len(titles) == len(set(titles)) == 4


async def test_a_withdrawn_solution_leaves_the_directory(api: Api, parties: Parties) -> None:
    withdraw = ("mutation($id: ID!) { withdrawSolution(id: $id) { solution { status }"
                " userErrors { code } } }")
    data = await api.data(withdraw, {"id": parties.alpha_solution}, as_user=ALICE)
    assert data["withdrawSolution"] == {"solution": {"status": "WITHDRAWN"}, "userErrors": []}
    assert (await _solutions(api, search="batterie"))["totalCount"] == 0


async def test_calls_are_searched_with_filters_and_drafts_stay_hidden(
    api: Api, parties: Parties
) -> None:
    open_call = await done(api, "draftCall", call_input(parties.corp, iso_in(3600)), CAROL)
    await done(api, "publishCall", {"id": open_call["id"]}, CAROL)
    await done(api, "draftCall", call_input(parties.corp, iso_in(3600), title="Énergie brouillon"),
               CAROL)
    found = (await api.data(CALLS, {"f": {"search": "energies reseau"}}))["calls"]
    assert [n["status"] for n in found["nodes"]] == ["PUBLISHED"]
    mine = (await api.data(CALLS, {"f": {"search": "énergie"}}, as_user=CAROL))["calls"]
    assert mine["totalCount"] == 2
    draft_only = {"search": "energie", "status": "DRAFT", "corporateId": parties.corp}
    assert (await api.data(CALLS, {"f": draft_only}, as_user=CAROL))["calls"]["nodes"] == [
        {"title": "Énergie brouillon", "status": "DRAFT"}]
