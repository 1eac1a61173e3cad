"""Validated inputs of the directory commands (field names as in the API)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import Field

from domain.validation import Command, IdempotencyKey, Name, Tags, Text, Version

Trl = Annotated[int, Field(ge=1, le=9, description="Technology readiness level")]


class PublishSolution(Command):
    startup_id: UUID
    title: Name
    summary: Text
    technologies: Tags = Field(default_factory=list)
    sectors: Tags = Field(default_factory=list)
    trl: Trl
    idempotency_key: IdempotencyKey | None = None


class UpdateSolution(Command):
    id: UUID
    expected_version: Version | None = None
    title: Name | None = None
    summary: Text | None = None
    technologies: Tags | None = None
    sectors: Tags | None = None
    trl: Trl | None = None

    def changes(self) -> dict[str, object]:
        """Only the fields the client sent."""
        return self.model_dump(exclude_none=True, exclude={"id", "expected_version"})


class WithdrawSolution(Command):
    id: UUID
