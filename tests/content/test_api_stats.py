"""`stats` end to end: public, and kept current by the ledger."""

from __future__ import annotations

from tests.content.conftest import Parties
from tests.support.api import Api

STATS = """{ stats { startups corporates publishedCalls applications agreementsInForce
  ordersIssued ordersValue { amount currency } loansDisbursed { amount currency }
  medianDaysApplicationToAgreement medianDaysAgreementToOrder pilotToOrderRate } }"""


async def test_a_visitor_reads_zeros_on_an_empty_platform(api: Api) -> None:
    stats = (await api.data(STATS))["stats"]
    assert stats == {
        "startups": 0, "corporates": 0, "publishedCalls": 0, "applications": 0,
        "agreementsInForce": 0, "ordersIssued": 0,
        "ordersValue": {"amount": "0", "currency": "EUR"},
        "loansDisbursed": {"amount": "0", "currency": "EUR"},
        "medianDaysApplicationToAgreement": None, "medianDaysAgreementToOrder": None,
        "pilotToOrderRate": None,
    }


async def test_registrations_are_counted_as_soon_as_they_return(
    api: Api, parties: Parties
) -> None:
    stats = (await api.data(STATS))["stats"]
    assert (stats["startups"], stats["corporates"]) == (2, 1)
