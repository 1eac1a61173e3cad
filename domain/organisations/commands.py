"""Validated inputs of the organisation commands (field names as in the API)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from domain.actors import MemberRole
from domain.organisations.aggregates import LABELS
from domain.validation import (
    Command,
    Email,
    IdempotencyKey,
    Name,
    ShortText,
    Siren,
    Tags,
    Text,
    Url,
    UserId,
    Version,
)

FoundedYear = Annotated[int, Field(ge=1800, le=date.today().year + 1)]
Label = Literal[LABELS]  # type: ignore[valid-type]


class RegisterStartup(Command):
    name: Name
    siren: Siren
    description: Text
    website: Url | None = None
    city: ShortText | None = None
    founded_year: FoundedYear | None = None
    sectors: Tags = Field(default_factory=list)
    technologies: Tags = Field(default_factory=list)
    contact_name: Name
    contact_email: Email
    idempotency_key: IdempotencyKey | None = None


class RegisterCorporate(Command):
    name: Name
    siren: Siren
    description: Text
    website: Url | None = None
    sector: ShortText | None = None
    contact_name: Name
    contact_email: Email
    idempotency_key: IdempotencyKey | None = None


class UpdateStartupProfile(Command):
    id: UUID
    expected_version: Version | None = None
    name: Name | None = None
    description: Text | None = None
    website: Url | None = None
    city: ShortText | None = None
    sectors: Tags | None = None
    technologies: Tags | None = None

    def changes(self) -> dict[str, object]:
        """Only the fields the client sent."""
        return self.model_dump(exclude_none=True, exclude={"id", "expected_version"})


class UpdateCorporateProfile(Command):
    id: UUID
    expected_version: Version | None = None
    name: Name | None = None
    description: Text | None = None
    website: Url | None = None
    sector: ShortText | None = None

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude_none=True, exclude={"id", "expected_version"})


class AddMember(Command):
    organisation_id: UUID
    user_id: UserId
    role: MemberRole = MemberRole.MEMBER
    display_name: Name
    email: Email


class ChangeLabel(Command):
    startup_id: UUID
    label: Label


class AdmitToCommunity(Command):
    corporate_id: UUID
