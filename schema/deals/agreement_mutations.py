"""Agreement mutations: translate the input, delegate, map the outcome."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from domain.deals import commands as c
from schema.deals.agreement_types import Agreement, AgreementKind, ForegroundIpOwner
from schema.deals.loaders import fresh_row
from schema.deals.money import MoneyInput
from schema.errors import UserError, execute, parse


@strawberry.input
class AgreementTermsInput:
    scope: str
    success_criteria: list[str] = strawberry.field(default_factory=list)
    foreground_ip_owner: ForegroundIpOwner
    licence: str | None = None
    confidentiality_months: int
    exclusivity_months: int | None = None
    duration_months: int
    price: MoneyInput | None = None
    payment_term_days: int | None = None
    publication_allowed: bool = False


@strawberry.input(description="With an applicationId, the application must be SHORTLISTED or SELECTED and the parties must be its startup and its call's corporate.")
class ProposeAgreementInput:
    kind: AgreementKind
    title: str
    corporate_id: strawberry.ID
    startup_id: strawberry.ID
    application_id: strawberry.ID | None = None
    terms: AgreementTermsInput
    idempotency_key: str | None = None


@strawberry.input
class AmendAgreementInput:
    id: strawberry.ID
    expected_version: int | None = None
    terms: AgreementTermsInput


@strawberry.input
class SignAgreementInput:
    id: strawberry.ID
    organisation_id: strawberry.ID = strawberry.field(description="The signing party's organisation.")
    revision: int = strawberry.field(description="The revision being signed; signing anything but the current one is refused.")


@strawberry.input
class AgreementCommandInput:
    id: strawberry.ID
    expected_version: int | None = None
    reason: str | None = None


@strawberry.type
class AgreementPayload:
    agreement: Agreement | None
    user_errors: list[UserError]


def _service(info: Info[Any, Any]) -> Any:
    return info.context.services.commands["agreements"]


async def _run(info: Info[Any, Any], model: Any, raw: Any, call: Any) -> AgreementPayload:
    recorded, errors = await execute(info, lambda: parse(model, raw), call)
    row = await fresh_row(info, "deals.agreement", recorded.stream_id) if recorded else None
    return AgreementPayload(agreement=Agreement.from_row(row) if row else None, user_errors=errors)


@strawberry.type
class AgreementMutation:
    @strawberry.mutation
    async def propose_agreement(self, info: Info[Any, Any], input: ProposeAgreementInput) -> AgreementPayload:
        return await _run(info, c.ProposeAgreement, input, _service(info).propose)

    @strawberry.mutation
    async def amend_agreement(self, info: Info[Any, Any], input: AmendAgreementInput) -> AgreementPayload:
        return await _run(info, c.AmendAgreement, input, _service(info).amend)

    @strawberry.mutation
    async def sign_agreement(self, info: Info[Any, Any], input: SignAgreementInput) -> AgreementPayload:
        return await _run(info, c.SignAgreement, input, _service(info).sign)

    @strawberry.mutation
    async def reject_agreement(self, info: Info[Any, Any], input: AgreementCommandInput) -> AgreementPayload:
        return await _run(info, c.EntityCommand, input, _service(info).reject)

    @strawberry.mutation(description="Ends an agreement in force; a reason is required.")
    async def terminate_agreement(self, info: Info[Any, Any], input: AgreementCommandInput) -> AgreementPayload:
        return await _run(info, c.ReasonedCommand, input, _service(info).terminate)
