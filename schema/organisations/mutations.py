"""Organisation mutations: translate the input, delegate, map the outcome."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from domain.organisations import commands as c
from schema.common import Label, MemberRole
from schema.errors import UserError, execute, parse
from schema.organisations.types import Corporate, Organisation, Startup, organisation_from_row


@strawberry.input
class RegisterStartupInput:
    name: str
    siren: str
    description: str
    website: str | None = None
    city: str | None = None
    founded_year: int | None = None
    sectors: list[str] = strawberry.field(default_factory=list)
    technologies: list[str] = strawberry.field(default_factory=list)
    contact_name: str = strawberry.field(description="The registering person, recorded as the first ADMIN member.")
    contact_email: str
    idempotency_key: str | None = None


@strawberry.input
class UpdateStartupProfileInput:
    id: strawberry.ID
    expected_version: int | None = None
    name: str | None = None
    description: str | None = None
    website: str | None = None
    city: str | None = None
    sectors: list[str] | None = None
    technologies: list[str] | None = None


@strawberry.input
class RegisterCorporateInput:
    name: str
    siren: str
    description: str
    website: str | None = None
    sector: str | None = None
    contact_name: str
    contact_email: str
    idempotency_key: str | None = None


@strawberry.input
class UpdateCorporateProfileInput:
    id: strawberry.ID
    expected_version: int | None = None
    name: str | None = None
    description: str | None = None
    website: str | None = None
    sector: str | None = None


@strawberry.input(description="Only ADMIN members of the organisation may add members.")
class AddMemberInput:
    organisation_id: strawberry.ID
    user_id: str
    role: MemberRole = MemberRole.MEMBER
    display_name: str
    email: str


@strawberry.input
class LabelInput:
    startup_id: strawberry.ID
    label: Label


@strawberry.type
class StartupPayload:
    startup: Startup | None
    user_errors: list[UserError]


@strawberry.type
class CorporatePayload:
    corporate: Corporate | None
    user_errors: list[UserError]


@strawberry.type
class OrganisationPayload:
    organisation: Organisation | None
    user_errors: list[UserError]


def _service(info: Info[Any, Any]) -> Any:
    return info.context.services.commands["organisations"]


async def _row(info: Info[Any, Any], recorded: Any) -> Any:
    return await info.context.loaders.organisation.load(recorded.stream_id) if recorded else None


async def _startup(info: Info[Any, Any], model: Any, raw: Any, call: Any) -> StartupPayload:
    recorded, errors = await execute(info, lambda: parse(model, raw), call)
    row = await _row(info, recorded)
    return StartupPayload(startup=Startup.from_row(row) if row else None, user_errors=errors)


async def _corporate(info: Info[Any, Any], model: Any, raw: Any, call: Any) -> CorporatePayload:
    recorded, errors = await execute(info, lambda: parse(model, raw), call)
    row = await _row(info, recorded)
    return CorporatePayload(corporate=Corporate.from_row(row) if row else None, user_errors=errors)


@strawberry.type
class OrganisationMutation:
    @strawberry.mutation
    async def register_startup(self, info: Info[Any, Any], input: RegisterStartupInput) -> StartupPayload:
        return await _startup(info, c.RegisterStartup, input, _service(info).register_startup)

    @strawberry.mutation
    async def update_startup_profile(self, info: Info[Any, Any], input: UpdateStartupProfileInput) -> StartupPayload:
        return await _startup(info, c.UpdateStartupProfile, input, _service(info).update_startup_profile)

    @strawberry.mutation
    async def register_corporate(self, info: Info[Any, Any], input: RegisterCorporateInput) -> CorporatePayload:
        return await _corporate(info, c.RegisterCorporate, input, _service(info).register_corporate)

    @strawberry.mutation
    async def update_corporate_profile(self, info: Info[Any, Any], input: UpdateCorporateProfileInput) -> CorporatePayload:
        return await _corporate(info, c.UpdateCorporateProfile, input, _service(info).update_corporate_profile)

    @strawberry.mutation
    async def add_member(self, info: Info[Any, Any], input: AddMemberInput) -> OrganisationPayload:
        recorded, errors = await execute(info, lambda: parse(c.AddMember, input), _service(info).add_member)
        row = await _row(info, recorded)
        return OrganisationPayload(organisation=organisation_from_row(row) if row else None, user_errors=errors)

    @strawberry.mutation(description="OPERATOR only.")
    async def grant_label(self, info: Info[Any, Any], input: LabelInput) -> StartupPayload:
        return await _startup(info, c.ChangeLabel, input, _service(info).grant_label)

    @strawberry.mutation(description="OPERATOR only.")
    async def revoke_label(self, info: Info[Any, Any], input: LabelInput) -> StartupPayload:
        return await _startup(info, c.ChangeLabel, input, _service(info).revoke_label)

    @strawberry.mutation(description="OPERATOR only.")
    async def admit_to_community(self, info: Info[Any, Any], corporate_id: strawberry.ID) -> CorporatePayload:
        raw = {"corporateId": str(corporate_id)}
        recorded, errors = await execute(
            info, lambda: parse(c.AdmitToCommunity, raw, root=()), _service(info).admit_to_community
        )
        row = await _row(info, recorded)
        return CorporatePayload(corporate=Corporate.from_row(row) if row else None, user_errors=errors)
