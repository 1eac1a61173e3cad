"""Validated inputs of the open-content commands (field names as in the API)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from domain.content.aggregates import RESOURCE_KINDS
from domain.validation import Command, IdempotencyKey, Name, ShortText, Tags, Text

ResourceKind = Literal[RESOURCE_KINDS]  # type: ignore[valid-type]
Capacity = Annotated[int, Field(ge=1, le=100_000)]


class PublishResource(Command):
    kind: ResourceKind
    title: Name
    body: Text
    tags: Tags = Field(default_factory=list)
    idempotency_key: IdempotencyKey | None = None


class ProposeCaseStudy(Command):
    agreement_id: UUID
    title: Name
    summary: Text
    idempotency_key: IdempotencyKey | None = None


class ConsentToCaseStudy(Command):
    id: UUID
    organisation_id: UUID


class ScheduleEvent(Command):
    title: Name
    starts_at: AwareDatetime
    location: ShortText
    capacity: Capacity
    idempotency_key: IdempotencyKey | None = None


class RegisterForEvent(Command):
    id: UUID
    organisation_id: UUID


class CancelEvent(Command):
    id: UUID
