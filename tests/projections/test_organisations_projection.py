"""The organisations read model's pure `evolve` functions and the access
projection's parties, entry by entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from projections.access import parties_of
from projections.entries import Entry, decode_state
from projections.organisations import evolve_member, evolve_organisation, member_key

STREAM = uuid4()
T0 = datetime(2024, 1, 1, tzinfo=UTC)
REGISTERED = {"name": "Qubitek", "siren": "732829320", "description": "Quantum",
              "city": "Lyon", "sectors": ["Industry"], "technologies": ["Quantum"],
              "admin_user_id": "alice", "admin_contact": "pii:v1:a"}


def entry(version: int, type: str, data: dict[str, Any], stream_type: str = "Startup",
          stream: UUID = STREAM) -> Entry:
    return Entry(version, stream, version, stream_type, type, T0 + timedelta(minutes=version),
                 data, {}, f"x:{stream_type}.{type}", b"", b"", None, b"")


def fold(*entries: Entry) -> dict[str, Any] | None:
    row = None
    for e in entries:
        row = evolve_organisation(row, e)
    return row


def test_a_registration_makes_a_startup_row_at_version_one() -> None:
    row = fold(entry(1, "StartupRegistered", REGISTERED))
    assert row is not None
    assert (row["kind"], row["name"], row["labels"], row["version"]) == (
        "STARTUP", "Qubitek", [], 1)


def test_a_corporate_registration_makes_a_corporate_row_outside_the_community() -> None:
    row = fold(entry(1, "CorporateRegistered", {**REGISTERED, "sector": "Rail"}, "Corporate"))
    assert row is not None
    assert (row["kind"], row["sector"], row["community_member"]) == ("CORPORATE", "Rail", False)


def test_a_profile_update_changes_the_profile_columns_and_the_version() -> None:
    row = fold(entry(1, "StartupRegistered", REGISTERED),
               entry(2, "StartupProfileUpdated", {"changes": {"city": "Paris"}}))
    assert row is not None
    assert (row["city"], row["version"]) == ("Paris", 2)
    assert row["updated_at"] == T0 + timedelta(minutes=2)


def test_a_profile_update_ignores_fields_that_are_not_profile_columns() -> None:
    row = fold(entry(1, "StartupRegistered", REGISTERED),
               entry(2, "StartupProfileUpdated", {"changes": {"siren": "000000000"}}))
    assert row is not None and row["siren"] == "732829320"


def test_labels_are_granted_and_revoked_in_order() -> None:
    row = fold(entry(1, "StartupRegistered", REGISTERED),
               entry(2, "LabelGranted", {"label": "NEXT40"}),
               entry(3, "LabelGranted", {"label": "FT120"}),
               entry(4, "LabelRevoked", {"label": "NEXT40"}))
    assert row is not None and row["labels"] == ["FT120"]


def test_admission_makes_a_corporate_a_community_member() -> None:
    row = fold(entry(1, "CorporateRegistered", REGISTERED, "Corporate"),
               entry(2, "AdmittedToCommunity", {}, "Corporate"))
    assert row is not None and row["community_member"] is True


def test_a_member_added_moves_the_version_without_changing_the_profile() -> None:
    registered = fold(entry(1, "StartupRegistered", REGISTERED))
    assert registered is not None
    row = evolve_organisation(registered, entry(2, "MemberAdded", {"user_id": "bob"}))
    assert row == {**registered, "version": 2, "updated_at": T0 + timedelta(minutes=2)}


def test_an_entry_before_any_registration_makes_no_row() -> None:
    assert fold(entry(2, "LabelGranted", {"label": "NEXT40"})) is None


def test_the_registering_user_is_the_first_admin_member() -> None:
    e = entry(1, "StartupRegistered", REGISTERED)
    assert member_key(e) == (STREAM, "alice")
    assert evolve_member(None, e) == {
        "organisation_id": STREAM, "user_id": "alice", "role": "ADMIN", "contact": "pii:v1:a",
        "added_at": e.occurred_at}


def test_a_member_added_keeps_its_role_and_sealed_contact() -> None:
    e = entry(2, "MemberAdded", {"user_id": "bob", "role": "MEMBER", "contact": "pii:v1:b"})
    assert member_key(e) == (STREAM, "bob")
    row = evolve_member(None, e)
    assert row is not None and (row["role"], row["contact"]) == ("MEMBER", "pii:v1:b")


def test_entries_about_neither_registration_nor_members_have_no_member_key() -> None:
    assert member_key(entry(2, "LabelGranted", {"label": "NEXT40"})) is None


def test_an_organisation_is_party_to_its_own_stream() -> None:
    assert parties_of(entry(1, "StartupRegistered", REGISTERED)) == {STREAM}


def test_the_first_event_of_another_stream_names_its_parties() -> None:
    startup, corporate = uuid4(), uuid4()
    e = entry(1, "AgreementProposed", {"startup_id": str(startup), "corporate_id": str(corporate)},
              "Agreement", uuid4())
    assert parties_of(e) == {startup, corporate}


def test_only_the_first_event_of_a_stream_establishes_parties() -> None:
    e = entry(2, "AgreementSigned", {"startup_id": str(uuid4())}, "Agreement", uuid4())
    assert parties_of(e) == set()


def test_stored_state_is_decoded_to_plain_values() -> None:
    state = (b'{"timestamp": "x", "originator_topic": "t", "id": {"_type_": "uuid_hex",'
             b' "_data_": "' + STREAM.hex.encode() + b'"}}')
    assert decode_state(state) == {"id": str(STREAM)}
