"""SIREN validation and the organisation commands' input rules: a bad input
becomes INVALID userErrors naming the GraphQL field at fault."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.organisations import commands as c
from domain.siren import is_valid_siren, luhn_valid, normalise_siren
from schema.errors import InputInvalidError, parse
from tests.organisations.builders import siren

VALID = {"name": "Qubitek", "siren": "732829320", "description": "Quantum computing",
         "contactName": "Alice Martin", "contactEmail": "alice@qubitek.fr"}


def invalid_fields(model: type[Any], raw: dict[str, Any], root: tuple[str, ...] = ("input",)
                   ) -> list[tuple[str, list[str]]]:
    with pytest.raises(InputInvalidError) as refused:
        parse(model, raw, root)
    return [(e.code, e.field) for e in refused.value.errors]


@pytest.mark.parametrize("number", ["732829320", "552100554", "542051180", "356000000"])
def test_a_nine_digit_number_with_a_valid_luhn_checksum_is_a_siren(number: str) -> None:
    assert is_valid_siren(number)


@pytest.mark.parametrize("number", [
    "732829321",   # checksum off by one
    "73282932",    # 8 digits
    "7328293200",  # 10 digits
    "73282932a",   # a letter
    "".join(chr(0xFF10 + int(d)) for d in "732829320"),  # full-width digits
    "",
])
def test_anything_else_is_not_a_siren(number: str) -> None:
    assert not is_valid_siren(number)


def test_the_spaces_people_type_in_a_siren_are_removed() -> None:
    assert normalise_siren("732 829\u00a0320") == "732829320"


@given(st.integers(min_value=0, max_value=99_999_999))
def test_the_check_digit_computed_independently_passes_luhn(body: int) -> None:
    assert luhn_valid(siren(body))


@given(st.integers(min_value=0, max_value=99_999_999), st.integers(min_value=1, max_value=9))
def test_changing_the_check_digit_fails_luhn(body: int, shift: int) -> None:
    number = siren(body)
    wrong = number[:-1] + str((int(number[-1]) + shift) % 10)
    assert not luhn_valid(wrong)


def test_a_registration_keeps_the_siren_without_its_spaces() -> None:
    assert parse(c.RegisterStartup, {**VALID, "siren": "732 829 320"}).siren == "732829320"


def test_a_registration_with_a_bad_siren_is_invalid_on_the_siren_field() -> None:
    assert invalid_fields(c.RegisterStartup, {**VALID, "siren": "732829321"}) == [
        ("INVALID", ["input", "siren"])]


def test_a_corporate_registration_with_a_bad_siren_is_invalid_on_the_siren_field() -> None:
    raw = {**VALID, "siren": "123456789"}
    assert invalid_fields(c.RegisterCorporate, raw) == [("INVALID", ["input", "siren"])]


def test_a_bad_email_is_invalid_on_the_contact_email_field() -> None:
    assert invalid_fields(c.RegisterStartup, {**VALID, "contactEmail": "alice"}) == [
        ("INVALID", ["input", "contactEmail"])]


def test_a_blank_name_is_invalid_on_the_name_field() -> None:
    assert invalid_fields(c.RegisterStartup, {**VALID, "name": "   "}) == [
        ("INVALID", ["input", "name"])]


def test_a_website_that_is_not_http_is_invalid() -> None:
    assert invalid_fields(c.RegisterStartup, {**VALID, "website": "ftp://x.fr"}) == [
        ("INVALID", ["input", "website"])]


def test_a_founding_year_in_the_far_future_is_invalid() -> None:
    assert invalid_fields(c.RegisterStartup, {**VALID, "foundedYear": 3000}) == [
        ("INVALID", ["input", "foundedYear"])]


def test_every_invalid_field_is_reported_at_once() -> None:
    raw = {**VALID, "siren": "1", "contactEmail": "nope"}
    assert {tuple(f) for _, f in invalid_fields(c.RegisterStartup, raw)} == {
        ("input", "siren"), ("input", "contactEmail")}


def test_repeated_sectors_are_kept_once_in_order() -> None:
    command = parse(c.RegisterStartup, {**VALID, "sectors": ["Energy", "Mobility", "Energy"]})
    assert command.sectors == ["Energy", "Mobility"]


def test_an_email_is_stored_in_lower_case() -> None:
    assert parse(c.RegisterStartup, {**VALID, "contactEmail": "Alice@Qubitek.FR"}
                 ).contact_email == "alice@qubitek.fr"


def test_an_unknown_label_is_invalid_on_the_label_field() -> None:
    raw = {"startupId": str(uuid4()), "label": "UNICORN"}
    assert invalid_fields(c.ChangeLabel, raw) == [("INVALID", ["input", "label"])]


def test_a_negative_expected_version_is_invalid() -> None:
    raw = {"id": str(uuid4()), "expectedVersion": -1, "name": "X"}
    assert invalid_fields(c.UpdateStartupProfile, raw) == [
        ("INVALID", ["input", "expectedVersion"])]


def test_an_id_that_is_not_a_uuid_is_invalid_on_its_argument() -> None:
    assert invalid_fields(c.AdmitToCommunity, {"corporateId": "42"}, root=()) == [
        ("INVALID", ["corporateId"])]


def test_a_profile_update_carries_only_the_fields_sent() -> None:
    command = parse(c.UpdateStartupProfile, {"id": str(uuid4()), "expectedVersion": 3,
                                             "city": "Lyon"})
    assert command.changes() == {"city": "Lyon"}


def test_a_member_is_added_as_member_unless_a_role_is_given() -> None:
    command = parse(c.AddMember, {"organisationId": str(uuid4()), "userId": "bob",
                                  "displayName": "Bob", "email": "bob@x.fr"})
    assert command.role.value == "MEMBER"
