"""Case studies end to end: proposal by a party of an agreement that has run,
consent by both parties, publication, and the refusals."""

from __future__ import annotations

from typing import Any

import pytest

from domain.ledger import Ledger
from tests.content.agreements import record_agreement
from tests.content.conftest import Parties
from tests.content.support import AUDITOR, ERRORS, OPERATOR, codes, mutate
from tests.support.api import Api

PROPOSE = f"""mutation($i: ProposeCaseStudyInput!) {{ proposeCaseStudy(input: $i) {{
  caseStudy {{ id title published consentedBy corporate {{ name }} startup {{ name }} }}
  {ERRORS} }} }}"""
CONSENT = f"""mutation($i: ConsentCaseStudyInput!) {{ consentToCaseStudy(input: $i) {{
  caseStudy {{ id published publishedAt consentedBy }} {ERRORS} }} }}"""
LIST = "{ caseStudies { totalCount nodes { id published } } }"
NODE = "query($id: ID!) { node(id: $id) { ... on CaseStudy { title published } } }"
ALICE, CAROL, EVE = ("alice", "startup"), ("carol", "corporate"), ("eve", "startup")


def proposal(agreement_id: str) -> dict[str, Any]:
    return {"i": {"agreementId": agreement_id, "title": "Du pilote au déploiement",
                  "summary": "Un pilote de trois mois devenu contrat cadre."}}


async def propose(api: Api, agreement_id: str, as_user: tuple[str, str]) -> dict[str, Any]:
    return await mutate(api, PROPOSE, "proposeCaseStudy", proposal(agreement_id), as_user)


async def consent(api: Api, study: str, org: str, as_user: tuple[str, str]) -> dict[str, Any]:
    return await mutate(api, CONSENT, "consentToCaseStudy",
                        {"i": {"id": study, "organisationId": org}}, as_user)


async def proposed_study(api: Api, ledger: Ledger, parties: Parties) -> str:
    agreement = record_in_force(ledger, parties)
    payload = await propose(api, agreement, ALICE)
    assert payload["userErrors"] == []
    study_id: str = payload["caseStudy"]["id"]
    return study_id


def record_in_force(ledger: Ledger, parties: Parties, status: str = "IN_FORCE") -> str:
    return record_agreement(ledger, parties.corporate, parties.startup, status)


async def test_a_party_proposes_a_case_study_only_the_parties_see(
    api: Api, ledger: Ledger, parties: Parties
) -> None:
    payload = await propose(api, record_in_force(ledger, parties), ALICE)
    assert payload == {"caseStudy": {
        "id": payload["caseStudy"]["id"], "title": "Du pilote au déploiement",
        "published": False, "consentedBy": [], "corporate": {"name": "Énergéia"},
        "startup": {"name": "Batterix"}}, "userErrors": []}
    seen = {user: (await api.data(LIST, as_user=user))["caseStudies"]["totalCount"]
            for user in (ALICE, CAROL, EVE, OPERATOR, AUDITOR)}
    assert seen == {ALICE: 1, CAROL: 1, EVE: 0, OPERATOR: 1, AUDITOR: 1}
    assert (await api.data(LIST))["caseStudies"]["totalCount"] == 0
    assert (await api.data(NODE, {"id": payload["caseStudy"]["id"]}))["node"] is None


async def test_the_second_consent_publishes_the_case_study_for_everyone(
    api: Api, ledger: Ledger, parties: Parties
) -> None:
    study = await proposed_study(api, ledger, parties)
    first = await consent(api, study, parties.startup, ALICE)
    assert first["caseStudy"]["published"] is False
    second = await consent(api, study, parties.corporate, CAROL)
    assert second["caseStudy"]["published"] is True
    assert second["caseStudy"]["consentedBy"] == [parties.startup, parties.corporate]
    assert (await api.data(LIST))["caseStudies"]["nodes"] == [{"id": study, "published": True}]
    assert (await api.data(NODE, {"id": study}))["node"]["published"] is True


@pytest.mark.parametrize("ended", ["TERMINATED", "EXPIRED"])
async def test_an_ended_agreement_makes_a_case_study(
    api: Api, ledger: Ledger, parties: Parties, ended: str
) -> None:
    payload = await propose(api, record_in_force(ledger, parties, ended), CAROL)
    assert payload["userErrors"] == []


async def test_an_agreement_still_negotiated_makes_no_case_study(
    api: Api, ledger: Ledger, parties: Parties
) -> None:
    payload = await propose(api, record_in_force(ledger, parties, "NEGOTIATING"), ALICE)
    assert codes(payload) == [("RULE_VIOLATION", ["input", "agreementId"])]
    assert payload["caseStudy"] is None


async def test_who_may_not_see_the_agreement_is_told_it_does_not_exist(
    api: Api, ledger: Ledger, parties: Parties
) -> None:
    agreement = record_in_force(ledger, parties)
    for user in (EVE, OPERATOR):
        assert codes(await propose(api, agreement, user)) == [
            ("NOT_FOUND", ["input", "agreementId"])]
    not_an_agreement = await propose(api, parties.startup, ALICE)
    assert codes(not_an_agreement) == [("NOT_FOUND", ["input", "agreementId"])]
    assert codes(await propose(api, agreement, AUDITOR))[0][0] == "FORBIDDEN"


async def test_a_visitor_must_sign_in_to_propose(api: Api, ledger: Ledger, parties: Parties
                                                 ) -> None:
    body = await api.gql(PROPOSE, proposal(record_in_force(ledger, parties)))
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_party_consents_once(api: Api, ledger: Ledger, parties: Parties) -> None:
    study = await proposed_study(api, ledger, parties)
    await consent(api, study, parties.startup, ALICE)
    again = await consent(api, study, parties.startup, ALICE)
    assert codes(again) == [("RULE_VIOLATION", ["input", "organisationId"])]


async def test_consent_refusals_follow_what_the_viewer_may_see(
    api: Api, ledger: Ledger, parties: Parties
) -> None:
    study = await proposed_study(api, ledger, parties)
    assert codes(await consent(api, study, parties.outsider, EVE)) == [("NOT_FOUND", [])]
    not_my_org = await consent(api, study, parties.corporate, ALICE)
    assert codes(not_my_org) == [("FORBIDDEN", ["input", "organisationId"])]
    assert codes(await consent(api, study, parties.corporate, OPERATOR))[0][0] == "FORBIDDEN"


AGREEMENT_OF = """query($id: ID!) { node(id: $id) { ... on CaseStudy { agreement { id } } } }"""


async def test_the_agreement_behind_a_case_study_is_shown_to_its_parties_only(
    api: Api, ledger: Ledger, parties: Parties
) -> None:
    agreement = record_in_force(ledger, parties)
    study = (await propose(api, agreement, ALICE))["caseStudy"]["id"]
    await consent(api, study, parties.startup, ALICE)
    await consent(api, study, parties.corporate, CAROL)
    seen_by_party = await api.data(AGREEMENT_OF, {"id": study}, as_user=CAROL)
    assert seen_by_party["node"]["agreement"] == {"id": agreement}
    assert (await api.data(AGREEMENT_OF, {"id": study}))["node"] == {"agreement": None}
