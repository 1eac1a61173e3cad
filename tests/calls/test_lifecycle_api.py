"""End to end over HTTP: a call from draft to award with two competing startups,
every wrong step refused with the right code and nothing appended."""

from __future__ import annotations

import asyncio

from tests.calls.conftest import ALICE, BRUNO, CAROL, GINA, RITA, Parties
from tests.calls.flows import call_input, done, iso_in, mutate, refused
from tests.support.api import Api

LATE_CALL_SECONDS = 1.5


async def test_a_call_runs_from_draft_to_award_refusing_every_wrong_step(
    api: Api, parties: Parties
) -> None:
    late_call = await _short_call(api, parties)
    call = await _draft_and_publish(api, parties)
    alpha, beta = await _two_startups_apply(api, parties, call)
    await _close_and_evaluate(api, call)
    await _score_and_decide(api, call, alpha, beta)
    await refused(api, "cancelCall", {"id": call}, CAROL, "RULE_VIOLATION")
    await _late_application_refused(api, parties, late_call)


async def _short_call(api: Api, p: Parties) -> str:
    """Published now, closed to applications in a moment (no closeCall)."""
    draft = await done(api, "draftCall", call_input(p.corp, iso_in(LATE_CALL_SECONDS)), CAROL)
    await done(api, "publishCall", {"id": draft["id"]}, CAROL)
    return str(draft["id"])


async def _draft_and_publish(api: Api, p: Parties) -> str:
    bad_weights = call_input(p.corp, iso_in(3600), criteria=[
        {"name": "Innovation", "weight": 60}, {"name": "Impact", "weight": 30}])
    await refused(api, "draftCall", bad_weights, CAROL, "INVALID", ["input", "criteria"])
    await refused(api, "draftCall", call_input(p.corp, iso_in(3600)), RITA, "FORBIDDEN")
    await refused(api, "draftCall", call_input(p.corp, iso_in(3600)), ALICE, "FORBIDDEN")
    call = (await done(api, "draftCall", call_input(p.corp, iso_in(3600)), CAROL))["id"]
    await refused(api, "publishCall", {"id": call}, RITA, "NOT_FOUND", ["input", "id"])
    submit = {"callId": call, "startupId": p.alpha, "pitch": "Trop tôt"}
    await refused(api, "submitApplication", submit, ALICE, "NOT_FOUND")
    await refused(api, "publishCall", {"id": call, "expectedVersion": 0}, CAROL, "CONFLICT")
    published = await done(api, "publishCall", {"id": call}, CAROL)
    assert (published["status"], published["acceptingApplications"]) == ("PUBLISHED", True)
    await refused(api, "closeCall", {"id": call}, RITA, "FORBIDDEN")
    await refused(api, "startEvaluation", {"id": call}, CAROL, "RULE_VIOLATION")
    return str(call)


async def _two_startups_apply(api: Api, p: Parties, call: str) -> tuple[str, str]:
    mine = {"callId": call, "startupId": p.alpha, "solutionId": p.alpha_solution,
            "pitch": "Notre batterie lisse la production."}
    await refused(api, "submitApplication", mine, BRUNO, "FORBIDDEN")
    alpha = await done(api, "submitApplication", mine, ALICE)
    await refused(api, "submitApplication", mine, ALICE, "RULE_VIOLATION", ["input", "startupId"])
    theirs = {"callId": call, "startupId": p.beta, "solutionId": p.alpha_solution, "pitch": "H2"}
    await refused(api, "submitApplication", theirs, BRUNO, "INVALID", ["input", "solutionId"])
    beta = await done(api, "submitApplication", {**theirs, "solutionId": None}, BRUNO)
    await refused(api, "scoreApplication", {"id": alpha["id"], "criterion": "Impact", "value": 5},
                  CAROL, "RULE_VIOLATION")
    return str(alpha["id"]), str(beta["id"])


async def _close_and_evaluate(api: Api, call: str) -> None:
    closed = await done(api, "closeCall", {"id": call}, CAROL)
    assert (closed["status"], closed["applicationCount"]) == ("CLOSED", 2)
    await done(api, "startEvaluation", {"id": call}, CAROL)
    await refused(api, "awardCall", {"id": call}, CAROL, "RULE_VIOLATION")


async def _score_and_decide(api: Api, call: str, alpha: str, beta: str) -> None:
    for criterion, value in (("Innovation", 8), ("Impact", 6)):
        scored = await done(api, "scoreApplication",
                            {"id": alpha, "criterion": criterion, "value": value}, CAROL)
    assert scored["weightedScore"] == 7.2  # (8 * 60 + 6 * 40) / 100
    await refused(api, "scoreApplication", {"id": beta, "criterion": "Impact", "value": 11},
                  CAROL, "INVALID", ["input", "value"])
    await done(api, "scoreApplication", {"id": beta, "criterion": "Impact", "value": 9}, CAROL)
    await refused(api, "selectApplication", {"id": beta}, CAROL, "RULE_VIOLATION")
    await refused(api, "selectApplication", {"id": alpha}, ALICE, "FORBIDDEN")
    await refused(api, "rejectApplication", {"id": beta}, CAROL, "INVALID", ["input", "reason"])
    assert (await done(api, "selectApplication", {"id": alpha}, CAROL))["status"] == "SELECTED"
    rejected = await done(api, "rejectApplication", {"id": beta, "reason": "Hors budget"}, CAROL)
    assert (rejected["status"], rejected["decisionReason"]) == ("REJECTED", "Hors budget")
    assert (await done(api, "awardCall", {"id": call}, CAROL))["status"] == "AWARDED"


async def _late_application_refused(api: Api, p: Parties, late_call: str) -> None:
    await asyncio.sleep(LATE_CALL_SECONDS)  # usually long past already
    late = {"callId": late_call, "startupId": p.gamma, "pitch": "En retard"}
    await refused(api, "submitApplication", late, GINA, "RULE_VIOLATION", ["input", "callId"])
    data = await api.data("query($id: ID!) { calls(filter: {openOnly: true}) { nodes { id } }"
                          " call(id: $id) { status acceptingApplications } }", {"id": late_call})
    assert data["calls"]["nodes"] == []
    assert data["call"] == {"status": "PUBLISHED", "acceptingApplications": False}
    await refused(api, "extendCallDeadline", {"id": late_call, "deadline": iso_in(-60)}, CAROL,
                  "RULE_VIOLATION", ["input", "deadline"])
    extended = await done(api, "extendCallDeadline", {"id": late_call, "deadline": iso_in(3600)},
                          CAROL)
    assert extended["acceptingApplications"] is True
    await done(api, "submitApplication", late, GINA)


async def test_two_simultaneous_applications_of_one_startup_leave_exactly_one(
    api: Api, parties: Parties
) -> None:
    call = await done(api, "draftCall", call_input(parties.corp, iso_in(3600)), CAROL)
    await done(api, "publishCall", {"id": call["id"]}, CAROL)
    submit = {"callId": call["id"], "startupId": parties.alpha, "pitch": "Pitch"}
    results = await asyncio.gather(*(mutate(api, "submitApplication", submit, ALICE)
                                     for _ in range(4)))
    codes = sorted(e["code"] for r in results for e in r["userErrors"])
    assert codes == ["RULE_VIOLATION"] * 3
    calls = await api.data("query($id: ID!) { call(id: $id) { applicationCount } }",
                           {"id": call["id"]})
    assert calls["call"]["applicationCount"] == 1


async def test_a_retried_application_with_its_idempotency_key_returns_the_first(
    api: Api, parties: Parties
) -> None:
    call = await done(api, "draftCall", call_input(parties.corp, iso_in(3600)), CAROL)
    await done(api, "publishCall", {"id": call["id"]}, CAROL)
    submit = {"callId": call["id"], "startupId": parties.beta, "pitch": "P", "idempotencyKey": "k1"}
    first = await done(api, "submitApplication", submit, BRUNO)
    assert (await done(api, "submitApplication", submit, BRUNO))["id"] == first["id"]
