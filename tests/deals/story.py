"""The steps of the end-to-end deal story over HTTP: who does what, and what
everyone then sees. Each step checks state and history; refusals check their
code and that the ledger did not grow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from demo.organisations import siren_for
from tests.deals.client import AUDITOR, DealsClient

CAROL, ALICE, MALLORY = ("carol", "corporate"), ("alice", "startup"), ("mallory", "startup")
OLIVIA = ("olivia", "operator")
PILOT_TERMS: dict[str, Any] = {
    "scope": "Batterie stationnaire de 500 kWh sur un parc solaire",
    "successCriteria": ["Rendement aller-retour supérieur à 85 %"],
    "foregroundIpOwner": "JOINT", "confidentialityMonths": 24, "exclusivityMonths": 6,
    "durationMonths": 6, "price": {"amount": "60000", "currency": "EUR"},
    "paymentTermDays": 45, "publicationAllowed": True,
}


@dataclass
class Parties:
    corporate: str
    startup: str
    other_startup: str


async def register(client: DealsClient) -> Parties:
    """Énergéia (carol), Batterix (alice) and Qubitek (mallory) register."""
    async def org(mutation: str, name: str, seed: int, user: tuple[str, str]) -> str:
        field = "startup" if mutation == "registerStartup" else "corporate"
        input_type = "RegisterStartupInput" if field == "startup" else "RegisterCorporateInput"
        data = await client.api.data(
            f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ {field} {{ id }} }} }}",
            {"i": {"name": name, "siren": siren_for(seed), "description": name,
                   "contactName": f"Admin {name}", "contactEmail": f"{user[0]}@example.fr"}},
            as_user=user)
        org_id: str = data[mutation][field]["id"]
        return org_id

    return Parties(await org("registerCorporate", "Énergéia", 552100, CAROL),
                   await org("registerStartup", "Batterix", 732829, ALICE),
                   await org("registerStartup", "Qubitek", 812345, MALLORY))


async def selected_application(client: DealsClient, p: Parties) -> str:
    """Énergéia's call → Batterix applies → scored → SELECTED (the calls slice)."""
    api = client.api
    deadline = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    draft = await api.data(
        "mutation($i: DraftCallInput!) { draftCall(input: $i) { call { id } } }",
        {"i": {"corporateId": p.corporate, "title": "Stockage d'énergie", "challenge": "Lisser",
               "criteria": [{"name": "Impact", "weight": 100}], "deadline": deadline}},
        as_user=CAROL)
    call_id = draft["draftCall"]["call"]["id"]
    await call_step(client, "publishCall", call_id)
    submitted = await api.data(
        "mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) {"
        " application { id } userErrors { code message } } }",
        {"i": {"callId": call_id, "startupId": p.startup, "pitch": "Sodium-ion"}}, as_user=ALICE)
    application_id: str = submitted["submitApplication"]["application"]["id"]
    for step in ("closeCall", "startEvaluation"):
        await call_step(client, step, call_id)
    await api.data("mutation($i: ScoreApplicationInput!) { scoreApplication(input: $i) {"
                   " userErrors { code } } }",
                   {"i": {"id": application_id, "criterion": "Impact", "value": 9}}, as_user=CAROL)
    selected = await api.data(
        "mutation($i: ApplicationCommandInput!) { selectApplication(input: $i) {"
        " application { status } userErrors { code message } } }",
        {"i": {"id": application_id}}, as_user=CAROL)
    assert selected["selectApplication"]["application"]["status"] == "SELECTED", selected
    return application_id


async def call_step(client: DealsClient, mutation: str, call_id: str) -> None:
    data = await client.api.data(
        f"mutation($i: CallCommandInput!) {{ {mutation}(input: $i) {{ userErrors {{ code }} }} }}",
        {"i": {"id": call_id}}, as_user=CAROL)
    assert data[mutation]["userErrors"] == [], data


async def propose(client: DealsClient, p: Parties, application_id: str | None) -> dict[str, Any]:
    agreement = await client.ok("proposeAgreement", {
        "kind": "PILOT", "title": "Pilote de stockage sodium-ion", "corporateId": p.corporate,
        "startupId": p.startup, "applicationId": application_id, "terms": PILOT_TERMS}, ALICE)
    assert (agreement["status"], agreement["revision"], agreement["signatures"]) == (
        "NEGOTIATING", 1, [])
    assert agreement["application"] == ({"id": application_id} if application_id else None)
    assert await client.history("agreement", agreement["id"]) == ["AgreementProposed"]
    return agreement


async def amend_after_a_signature(
    client: DealsClient, p: Parties, agreement: dict[str, Any],
) -> dict[str, Any]:
    """Batterix signs revision 1; Énergéia amends: revision 2, the signature is void."""
    signed = await client.ok("signAgreement", {"id": agreement["id"], "organisationId": p.startup,
                                               "revision": 1}, ALICE)
    assert [s["organisation"]["id"] for s in signed["signatures"]] == [p.startup]
    amended = await client.ok("amendAgreement", {
        "id": agreement["id"], "expectedVersion": 2,
        "terms": {**PILOT_TERMS, "durationMonths": 9}}, CAROL)
    assert (amended["revision"], amended["signatures"], amended["terms"]["durationMonths"]) == (
        2, [], 9)
    assert amended["termsHash"] != agreement["termsHash"]
    assert await client.history("agreement", agreement["id"]) == [
        "AgreementProposed", "AgreementSigned", "AgreementAmended"]
    return amended


async def sign_by_both(
    client: DealsClient, p: Parties, agreement: dict[str, Any],
) -> dict[str, Any]:
    for org, user in ((p.startup, ALICE), (p.corporate, CAROL)):
        signed = await client.ok("signAgreement", {"id": agreement["id"], "organisationId": org,
                                                   "revision": 2}, user)
    assert (signed["status"], signed["inForceAt"] is not None) == ("IN_FORCE", True)
    assert {s["termsHash"] for s in signed["signatures"]} == {agreement["termsHash"]}
    assert (await client.history("agreement", agreement["id"]))[-3:] == [
        "AgreementSigned", "AgreementSigned", "AgreementEnteredIntoForce"]
    return signed


async def what_others_see_of_the_agreement(client: DealsClient, agreement_id: str) -> None:
    """Operators: no terms, no history; another startup: nothing; as of v1: revision 1."""
    seen = await client.read("agreement", agreement_id, OLIVIA)
    assert seen is not None and seen["terms"] is None and seen["status"] == "IN_FORCE"
    body = await client.api.gql('query($id: ID!) { agreement(id: $id) { history { totalCount } } }',
                                {"id": agreement_id}, as_user=OLIVIA)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await client.read("agreement", agreement_id, MALLORY) is None
    node = 'query($id: ID!) { node(id: $id) { ... on Agreement { status } } }'
    assert (await client.api.data(node, {"id": agreement_id}, as_user=MALLORY))["node"] is None
    assert (await client.api.data(node, {"id": agreement_id}, as_user=CAROL))["node"] == {
        "status": "IN_FORCE"}
    first = await client.read("agreement", agreement_id, AUDITOR, ", atVersion: 1")
    assert first is not None and (first["revision"], first["terms"]["durationMonths"]) == (1, 6)
