"""Who sees drafts and applications, over HTTP (and in the past)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.calls.conftest import ALICE, BRUNO, CAROL, RITA, Parties
from tests.calls.flows import AUDITOR, call_input, done, iso_in
from tests.support.api import Api

OLGA = ("olga", "operator")
CALLS = "{ calls { totalCount nodes { id status applicationCount } } }"
ONE_CALL = "query($id: ID!) { call(id: $id) { id } node(id: $id) { id } }"
APPLICATIONS = "query($id: ID!) { call(id: $id) { applicationCount applications { totalCount } } }"
ONE_APPLICATION = "query($id: ID!) { application(id: $id) { id } node(id: $id) { id } }"


@pytest.fixture
async def calls(api: Api, parties: Parties) -> dict[str, Any]:
    """A draft, a published call, and one application from each of two startups."""
    draft = await done(api, "draftCall", call_input(parties.corp, iso_in(3600)), CAROL)
    public = await done(api, "draftCall", call_input(parties.corp, iso_in(3600)), CAROL)
    await done(api, "publishCall", {"id": public["id"]}, CAROL)
    apps = {}
    for user, startup in ((ALICE, parties.alpha), (BRUNO, parties.beta)):
        submit = {"callId": public["id"], "startupId": startup, "pitch": "Pitch"}
        apps[user[0]] = (await done(api, "submitApplication", submit, user))["id"]
    return {"draft": draft["id"], "public": public["id"], "apps": apps}


async def _sees(api: Api, doc: str, id: str, user: tuple[str, str] | None) -> bool:
    data = await api.data(doc, {"id": id}, as_user=user)
    return all(v is not None for v in data.values())


async def test_a_draft_is_seen_only_by_its_corporate_and_auditors(
    api: Api, calls: dict[str, Any]
) -> None:
    who_sees = {u: await _sees(api, ONE_CALL, calls["draft"], u)
                for u in (None, ALICE, RITA, OLGA, CAROL, AUDITOR)}
    assert who_sees == {None: False, ALICE: False, RITA: False, OLGA: False, CAROL: True,
                        AUDITOR: True}
    listed = {u: (await api.data(CALLS, as_user=u))["calls"]["totalCount"] for u in (None, CAROL)}
    assert listed == {None: 1, CAROL: 2}


async def test_applications_are_seen_by_the_applicant_and_the_calls_corporate(
    api: Api, calls: dict[str, Any]
) -> None:
    alpha_app = calls["apps"]["alice"]
    who_sees = {u: await _sees(api, ONE_APPLICATION, alpha_app, u)
                for u in (None, BRUNO, RITA, ALICE, CAROL, OLGA, AUDITOR)}
    assert who_sees == {None: False, BRUNO: False, RITA: False, ALICE: True, CAROL: True,
                        OLGA: True, AUDITOR: True}


async def test_a_call_lists_only_the_applications_its_viewer_may_see(
    api: Api, calls: dict[str, Any]
) -> None:
    seen = {}
    for user in (None, RITA, ALICE, CAROL, OLGA):
        data = (await api.data(APPLICATIONS, {"id": calls["public"]}, as_user=user))["call"]
        seen[user] = (data["applicationCount"], data["applications"]["totalCount"])
    assert seen == {None: (2, 0), RITA: (2, 0), ALICE: (2, 1), CAROL: (2, 2), OLGA: (2, 2)}


async def test_the_past_of_a_call_and_an_application_is_folded_from_their_events(
    api: Api, calls: dict[str, Any]
) -> None:
    past_call = "query($id: ID!) { call(id: $id, atVersion: 1) { status version } }"
    assert (await api.data(past_call, {"id": calls["public"]}, as_user=CAROL))["call"] == {
        "status": "DRAFT", "version": 1}
    assert (await api.data(past_call, {"id": calls["public"]}))["call"] is None
    history = ("query($id: ID!) { application(id: $id) { history { nodes { type payload } } } }")
    data = await api.data(history, {"id": calls["apps"]["alice"]}, as_user=CAROL)
    [entry] = data["application"]["history"]["nodes"]
    assert entry["type"] == "ApplicationSubmitted"
    assert entry["payload"]["corporateId"] == (await _corp_of(api, calls["public"]))


async def _corp_of(api: Api, call_id: str) -> str:
    data = await api.data("query($id: ID!) { call(id: $id) { corporate { id } } }", {"id": call_id})
    corporate: str = data["call"]["corporate"]["id"]
    return corporate
