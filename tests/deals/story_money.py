"""The money steps of the end-to-end story: a purchase order from issue to
payment, a scale-up loan from request to repayment, and their refusals."""

from __future__ import annotations

from typing import Any

from tests.deals.client import DealsClient
from tests.deals.story import ALICE, CAROL, MALLORY, OLIVIA, Parties

AMOUNT = ["input", "amount", "amount"]


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


async def order_issued_and_accepted(client: DealsClient, p: Parties, agreement_id: str) -> str:
    issue = {"corporateId": p.corporate, "startupId": p.startup, "agreementId": agreement_id,
             "reference": "BC-2024-002",
             "lines": [{"description": "Module 50 kWh", "quantity": 10,
                        "unitPrice": eur("18500.50")}]}
    await client.refused("issueOrder", issue, ALICE, "FORBIDDEN")
    order = await client.ok("issueOrder", issue, CAROL)
    assert (order["status"], order["total"]) == ("ISSUED", eur("185005.00"))
    assert order["agreement"] == {"id": agreement_id, "status": "IN_FORCE"}
    await client.refused("acceptOrder", {"id": order["id"]}, CAROL, "FORBIDDEN")
    await client.refused("acceptOrder", {"id": order["id"]}, MALLORY, "NOT_FOUND")
    accepted = await client.ok("acceptOrder", {"id": order["id"]}, ALICE)
    assert accepted["status"] == "ACCEPTED"
    assert await client.read("purchaseOrder", order["id"], MALLORY) is None
    order_id: str = order["id"]
    return order_id


async def order_delivered_invoiced_paid(client: DealsClient, order_id: str) -> None:
    delivered = await client.ok("recordDelivery", {"id": order_id}, ALICE)
    assert delivered["status"] == "DELIVERED"
    too_much = {"id": order_id, "amount": eur("185005.01")}
    await client.refused("invoiceOrder", too_much, ALICE, "RULE_VIOLATION", AMOUNT)
    invoiced = await client.ok("invoiceOrder", {"id": order_id, "amount": eur("185005")}, ALICE)
    assert (invoiced["status"], invoiced["invoiced"]) == ("INVOICED", {"amount": "185005.00"})
    part = await client.ok("recordPayment", {"id": order_id, "amount": eur("100000")}, CAROL)
    assert (part["status"], part["paid"]) == ("INVOICED", {"amount": "100000.00"})
    overpaid = {"id": order_id, "amount": eur("85005.01")}
    await client.refused("recordPayment", overpaid, CAROL, "RULE_VIOLATION", AMOUNT)
    paid = await client.ok("recordPayment", {"id": order_id, "amount": eur("85005")}, CAROL)
    assert (paid["status"], paid["paid"]) == ("PAID", {"amount": "185005.00"})
    assert await client.history("purchaseOrder", order_id) == [
        "OrderIssued", "OrderAccepted", "OrderDelivered", "OrderInvoiced",
        "OrderPaymentRecorded", "OrderPaymentRecorded"]


async def loan_requested_and_reviewed(client: DealsClient, p: Parties, agreement_id: str) -> str:
    request = {"startupId": p.startup, "agreementId": agreement_id, "amount": eur("800000"),
               "termMonths": 84, "purpose": "Ligne d'assemblage", "idempotencyKey": "loan-1"}
    loan = await client.ok("requestLoan", request, ALICE)
    before = await client.ledger_count()
    assert (await client.ok("requestLoan", request, ALICE))["id"] == loan["id"]  # a retry
    assert await client.ledger_count() == before
    assert (loan["status"], loan["requested"]) == ("REQUESTED", eur("800000.00"))
    assert await client.read("loan", loan["id"], CAROL) is None  # not the corporate party's
    await client.refused("startLoanReview", {"id": loan["id"]}, CAROL, "NOT_FOUND")
    await client.refused("startLoanReview", {"id": loan["id"]}, ALICE, "FORBIDDEN")
    reviewed = await client.ok("startLoanReview", {"id": loan["id"]}, OLIVIA)
    assert reviewed["status"] == "UNDER_REVIEW"
    loan_id: str = loan["id"]
    return loan_id


async def loan_approved_disbursed_repaid(client: DealsClient, loan_id: str) -> dict[str, Any]:
    approved = await client.ok("approveLoan", {
        "id": loan_id, "amount": eur("750000"), "annualRatePercent": "2.5", "termMonths": 84,
        "deferralMonths": 24}, OLIVIA)
    assert (approved["status"], approved["approved"], approved["annualRatePercent"]) == (
        "APPROVED", {"amount": "750000.00"}, "2.5")
    await client.ok("disburseLoan", {"id": loan_id, "amount": eur("500000")}, OLIVIA)
    over = {"id": loan_id, "amount": eur("250000.01")}
    await client.refused("disburseLoan", over, OLIVIA, "RULE_VIOLATION", AMOUNT)
    disbursed = await client.ok("disburseLoan", {"id": loan_id, "amount": eur("250000")}, OLIVIA)
    assert (disbursed["status"], disbursed["outstanding"]) == ("DISBURSED", {"amount": "750000.00"})
    repaid = await client.ok("recordRepayment", {"id": loan_id, "amount": eur("750000")}, OLIVIA)
    assert (repaid["status"], repaid["outstanding"]) == ("REPAID", {"amount": "0.00"})
    assert await client.history("loan", loan_id) == [
        "LoanRequested", "LoanReviewStarted", "LoanApproved", "LoanDisbursed", "LoanDisbursed",
        "LoanRepaymentRecorded"]
    return repaid
