"""`_plain` (strawberry input → the dict pydantic validates) computes the
camelCase keys once per input class: the same dict as the per-request
`to_camel` it replaced, for every shape an input takes."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

import strawberry
from pydantic.alias_generators import to_camel

from schema.common import MemberRole
from schema.errors import _plain
from schema.organisations.mutations import AddMemberInput, RegisterStartupInput


def _reference(value: Any) -> Any:
    """The previous implementation, kept here as the oracle."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {to_camel(f.name): _reference(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if getattr(value, f.name) not in (strawberry.UNSET, None)}
    if isinstance(value, list):
        return [_reference(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


def test_the_same_dict_as_before_for_full_partial_and_enum_inputs() -> None:
    full = RegisterStartupInput(
        name="Photonix", siren="123456782", description="d", website="https://x.fr",
        city="Grenoble", founded_year=0, sectors=["Industrie", ""], technologies=[],
        contact_name="Alice", contact_email="a@x.fr", idempotency_key="k")
    partial = RegisterStartupInput(name="P", siren="1", description="", contact_name="A",
                                   contact_email="a@x.fr")
    member = AddMemberInput(organisation_id=strawberry.ID("o"), user_id="u",
                            role=MemberRole.ADMIN, display_name="D", email="e@x.fr")
    for value in (full, partial, member):
        assert _plain(value) == _reference(value)
        assert list(_plain(value)) == list(_reference(value))  # the same key order
    assert _plain(full)["foundedYear"] == 0  # falsy values are kept, only None/UNSET go
    assert "website" not in _plain(partial)
    assert _plain(member)["role"] == MemberRole.ADMIN.value
