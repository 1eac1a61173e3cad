"""End to end over HTTP: from a selected application to a repaid loan, with
each refused step on the way (its code, and nothing written)."""

from __future__ import annotations

from tests.deals import story, story_money
from tests.deals.client import DealsClient
from tests.deals.story import ALICE, CAROL, MALLORY, OLIVIA


async def test_from_a_selected_application_to_a_repaid_scale_up_loan(deals: DealsClient) -> None:
    parties = await story.register(deals)
    application_id = await story.selected_application(deals, parties)
    proposed = await story.propose(deals, parties, application_id)
    amended = await story.amend_after_a_signature(deals, parties, proposed)
    await deals.refused("signAgreement", {"id": proposed["id"], "organisationId": parties.startup,
                                          "revision": 1}, ALICE, "CONFLICT", ["input", "revision"])
    await deals.refused("amendAgreement", {"id": proposed["id"], "terms": story.PILOT_TERMS},
                        MALLORY, "NOT_FOUND")
    await story.sign_by_both(deals, parties, amended)
    await story.what_others_see_of_the_agreement(deals, proposed["id"])
    order_id = await story_money.order_issued_and_accepted(deals, parties, proposed["id"])
    await story_money.order_delivered_invoiced_paid(deals, order_id)
    loan_id = await story_money.loan_requested_and_reviewed(deals, parties, proposed["id"])
    await story_money.loan_approved_disbursed_repaid(deals, loan_id)
    await links_show_each_organisation_its_deals(deals, parties, proposed["id"], loan_id)


async def links_show_each_organisation_its_deals(
    deals: DealsClient, parties: story.Parties, agreement_id: str, loan_id: str,
) -> None:
    query = """query($s: ID!, $c: ID!) {
      probeStartupAgreements(id: $s) { totalCount nodes { id } }
      probeStartupLoans(id: $s) { totalCount nodes { id } }
      probeCorporateOrders(id: $c) { totalCount nodes { status } } }"""
    ids = {"s": parties.startup, "c": parties.corporate}
    seen = await deals.api.data(query, ids, as_user=ALICE)
    assert seen["probeStartupAgreements"]["nodes"] == [{"id": agreement_id}]
    assert seen["probeStartupLoans"]["nodes"] == [{"id": loan_id}]
    assert seen["probeCorporateOrders"]["nodes"] == [{"status": "PAID"}]
    corporate = await deals.api.data(query, ids, as_user=CAROL)
    assert corporate["probeStartupLoans"]["totalCount"] == 0  # loans are not the corporate's
    operator = await deals.api.data(query, ids, as_user=OLIVIA)
    assert operator["probeStartupLoans"]["totalCount"] == 1
    outsider = await deals.api.data(query, ids, as_user=MALLORY)
    assert outsider["probeStartupAgreements"]["totalCount"] == 0
