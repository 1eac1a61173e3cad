"""Reusable pydantic field types for command inputs."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from domain.siren import is_valid_siren, normalise_siren

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class Command(BaseModel):
    """Base of command inputs: camelCase aliases so errors name GraphQL fields."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )


def _siren(value: str) -> str:
    value = normalise_siren(value)
    if not is_valid_siren(value):
        raise ValueError("A SIREN has 9 digits and a valid Luhn checksum")
    return value


def _email(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError("Not an email address")
    return value.lower()


def _url(value: str) -> str:
    if not URL.match(value):
        raise ValueError("Not an http(s) URL")
    return value


def _unique_tags(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value, None)
    return list(seen)


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Siren = Annotated[str, AfterValidator(_siren)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_url)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Tags = Annotated[list[Tag], Field(max_length=30), AfterValidator(_unique_tags)]
IdempotencyKey = Annotated[str, StringConstraints(min_length=1, max_length=200)]
UserId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Version = Annotated[int, Field(ge=0)]
