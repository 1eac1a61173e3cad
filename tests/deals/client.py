"""A small deals client over HTTP: mutations by name, their payload or their
refusal, reads, histories and the auditor's ledger count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.api import Api

AGREEMENT = """id version kind title revision termsHash status inForceAt terminationReason
  corporate { id name } startup { id name } application { id }
  terms { scope successCriteria durationMonths price { amount currency } }
  signatures { organisation { id } userId revision termsHash }"""
ORDER = """id version reference status reason agreement { id status }
  lines { description quantity unitPrice { amount currency } }
  total { amount currency } invoiced { amount } paid { amount }"""
LOAN = """id version status purpose termMonths deferralMonths annualRatePercent
  agreement { id kind } startup { id }
  requested { amount currency } approved { amount } disbursed { amount } repaid { amount }
  outstanding { amount } decisionReason"""

# mutation → (input type, payload field, selection)
MUTATIONS: dict[str, tuple[str, str, str]] = {
    **{m: (i, "agreement", AGREEMENT) for m, i in [
        ("proposeAgreement", "ProposeAgreementInput"), ("amendAgreement", "AmendAgreementInput"),
        ("signAgreement", "SignAgreementInput"), ("rejectAgreement", "AgreementCommandInput"),
        ("terminateAgreement", "AgreementCommandInput")]},
    **{m: (i, "purchaseOrder", ORDER) for m, i in [
        ("issueOrder", "IssueOrderInput"), ("acceptOrder", "OrderCommandInput"),
        ("rejectOrder", "OrderCommandInput"), ("recordDelivery", "OrderCommandInput"),
        ("invoiceOrder", "OrderAmountInput"), ("recordPayment", "OrderAmountInput"),
        ("cancelOrder", "OrderCommandInput")]},
    **{m: (i, "loan", LOAN) for m, i in [
        ("requestLoan", "RequestLoanInput"), ("withdrawLoan", "LoanCommandInput"),
        ("startLoanReview", "LoanCommandInput"), ("approveLoan", "ApproveLoanInput"),
        ("rejectLoan", "LoanCommandInput"), ("disburseLoan", "LoanAmountInput"),
        ("recordRepayment", "LoanAmountInput"), ("flagLoanDefault", "LoanCommandInput")]},
}
READS = {"agreement": AGREEMENT, "purchaseOrder": ORDER, "loan": LOAN}
AUDITOR = ("audrey", "auditor")
User = tuple[str, str]


@dataclass
class DealsClient:
    api: Api

    async def _send(self, mutation: str, input: dict[str, Any], user: User) -> dict[str, Any]:
        input_type, field, selection = MUTATIONS[mutation]
        document = (f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{"
                    f" {field} {{ {selection} }} userErrors {{ code field message }} }} }}")
        payload: dict[str, Any] = (await self.api.data(document, {"i": input}, as_user=user))[
            mutation]
        return payload

    async def ok(self, mutation: str, input: dict[str, Any], user: User) -> dict[str, Any]:
        """The entity a successful mutation returns."""
        payload = await self._send(mutation, input, user)
        assert payload["userErrors"] == [], payload["userErrors"]
        entity: dict[str, Any] = payload[MUTATIONS[mutation][1]]
        return entity

    async def refused(self, mutation: str, input: dict[str, Any], user: User, code: str,
                      field: list[str] | None = None) -> None:
        """The mutation is refused with `code` (and `field`), and writes nothing."""
        before = await self.ledger_count()
        payload = await self._send(mutation, input, user)
        assert [e["code"] for e in payload["userErrors"]] == [code], payload["userErrors"]
        if field is not None:
            assert payload["userErrors"][0]["field"] == field
        assert payload[MUTATIONS[mutation][1]] is None
        assert await self.ledger_count() == before

    async def ledger_count(self) -> int:
        data = await self.api.data("{ ledger(first: 1) { totalCount } }", as_user=AUDITOR)
        count: int = data["ledger"]["totalCount"]
        return count

    async def read(self, kind: str, id: str, user: User, args: str = "") -> dict[str, Any] | None:
        """`agreement(id:)`, `purchaseOrder(id:)` or `loan(id:)` as `user`."""
        document = f'query($id: ID!) {{ {kind}(id: $id{args}) {{ {READS[kind]} }} }}'
        found: dict[str, Any] | None = (await self.api.data(document, {"id": id}, as_user=user))[
            kind]
        return found

    async def history(self, kind: str, id: str, user: User = AUDITOR) -> list[str]:
        """Event types of the stream's history, oldest first."""
        document = (f'query($id: ID!) {{ {kind}(id: $id) {{ history {{ nodes {{ type }} }} }} }}')
        data = await self.api.data(document, {"id": id}, as_user=user)
        return [n["type"] for n in data[kind]["history"]["nodes"]]
