"""Given an aggregate in a known state, when a command runs, then these events
are collected, or this domain error is raised and nothing is collected."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from domain.actors import MemberRole
from domain.errors import RuleViolationError
from domain.organisations.aggregates import Corporate, Startup
from tests.organisations.builders import META


def then(aggregate: Aggregate) -> list[tuple[str, dict[str, Any]]]:
    """The events the command collected, as (type, fields besides the envelope)."""
    envelope = {"originator_id", "originator_version", "timestamp", "originator_topic", "meta"}
    return [(type(e).__name__, {k: v for k, v in vars(e).items() if k not in envelope})
            for e in aggregate.collect_events()]


def replay(events: Sequence[Any]) -> Any:
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def test_registering_a_startup_records_startup_registered_with_its_profile() -> None:
    startup = Startup(
        name="Qubitek", siren="732829320", description="Quantum", website=None, city="Lyon",
        founded_year=2019, sectors=["Industry"], technologies=["Quantum"],
        admin_user_id="alice", admin_contact="pii:v1:alice", meta=META,
    )
    [(kind, fields)] = then(startup)
    assert kind == "StartupRegistered"
    assert fields["name"] == "Qubitek"
    assert fields["admin_user_id"] == "alice"


def test_the_registering_user_becomes_the_startups_only_admin(startup: Startup) -> None:
    assert startup.role_of("alice") is MemberRole.ADMIN
    assert list(startup.members) == ["alice"]


def test_a_startup_starts_without_labels(startup: Startup) -> None:
    assert startup.labels == []


def test_every_event_records_the_meta_it_was_given(startup: Startup) -> None:
    startup.grant_label("NEXT40", {"userId": "op", "role": "OPERATOR"})
    [event] = startup.collect_events()
    assert vars(event)["meta"] == {"userId": "op", "role": "OPERATOR"}


def test_a_profile_update_records_only_the_fields_that_change(startup: Startup) -> None:
    startup.update_profile({"name": "Batterix SAS", "city": "Grenoble"}, META)
    assert then(startup) == [("StartupProfileUpdated", {"changes": {"name": "Batterix SAS"}})]


def test_a_profile_update_changes_the_startups_state(startup: Startup) -> None:
    startup.update_profile({"sectors": ["Energy", "Mobility"]}, META)
    assert startup.sectors == ["Energy", "Mobility"]
    assert startup.version == 2


def test_an_empty_profile_update_is_refused(startup: Startup) -> None:
    with pytest.raises(RuleViolationError, match="changes nothing"):
        startup.update_profile({}, META)
    assert then(startup) == []


def test_a_profile_update_that_repeats_the_current_values_is_refused(startup: Startup) -> None:
    with pytest.raises(RuleViolationError):
        startup.update_profile({"name": "Batterix", "city": "Grenoble"}, META)
    assert then(startup) == []


def test_adding_a_member_records_member_added_with_the_sealed_contact(startup: Startup) -> None:
    startup.add_member("bob", MemberRole.MEMBER, "pii:v1:bob", META)
    assert then(startup) == [
        ("MemberAdded", {"user_id": "bob", "role": "MEMBER", "contact": "pii:v1:bob"})]
    assert startup.role_of("bob") is MemberRole.MEMBER


def test_adding_someone_who_is_already_a_member_is_refused_on_the_user_id(
    startup: Startup,
) -> None:
    with pytest.raises(RuleViolationError) as refused:
        startup.add_member("alice", MemberRole.MEMBER, "pii:v1:alice", META)
    assert refused.value.field == ("input", "userId")
    assert then(startup) == []


def test_granting_a_label_records_label_granted(startup: Startup) -> None:
    startup.grant_label("DEEPTECH", META)
    assert then(startup) == [("LabelGranted", {"label": "DEEPTECH"})]
    assert startup.labels == ["DEEPTECH"]


def test_granting_a_label_the_startup_already_has_is_refused(startup: Startup) -> None:
    startup.grant_label("DEEPTECH", META)
    startup.collect_events()
    with pytest.raises(RuleViolationError) as refused:
        startup.grant_label("DEEPTECH", META)
    assert refused.value.field == ("input", "label")
    assert then(startup) == []


def test_revoking_a_granted_label_records_label_revoked(startup: Startup) -> None:
    startup.grant_label("NEXT40", META)
    startup.grant_label("FT120", META)
    startup.collect_events()
    startup.revoke_label("NEXT40", META)
    assert then(startup) == [("LabelRevoked", {"label": "NEXT40"})]
    assert startup.labels == ["FT120"]


def test_revoking_a_label_the_startup_does_not_have_is_refused(startup: Startup) -> None:
    with pytest.raises(RuleViolationError) as refused:
        startup.revoke_label("NEXT40", META)
    assert refused.value.field == ("input", "label")
    assert then(startup) == []


def test_replaying_a_startups_events_rebuilds_the_same_state() -> None:
    startup = Startup(
        name="Agrosol", siren="732829320", description="Soil sensors", website=None, city=None,
        founded_year=None, sectors=[], technologies=[], admin_user_id="alice",
        admin_contact="pii:v1:alice", meta=META,
    )
    startup.grant_label("GREENTECH", META)
    startup.add_member("bob", MemberRole.ADMIN, "pii:v1:bob", META)
    startup.update_profile({"city": "Toulouse"}, META)
    rebuilt = replay(startup.collect_events())
    assert (rebuilt.labels, rebuilt.members, rebuilt.city, rebuilt.version) == (
        startup.labels, startup.members, startup.city, startup.version)


def test_the_registering_user_becomes_the_corporates_admin(corporate: Corporate) -> None:
    assert corporate.role_of("carol") is MemberRole.ADMIN


def test_a_corporate_is_registered_outside_the_community(corporate: Corporate) -> None:
    assert corporate.community_member is False


def test_admitting_a_corporate_records_admitted_to_community(corporate: Corporate) -> None:
    corporate.admit_to_community(META)
    assert then(corporate) == [("AdmittedToCommunity", {})]
    assert corporate.community_member is True


def test_admitting_a_corporate_that_is_already_a_member_is_refused(
    corporate: Corporate,
) -> None:
    corporate.admit_to_community(META)
    corporate.collect_events()
    with pytest.raises(RuleViolationError, match="already"):
        corporate.admit_to_community(META)
    assert then(corporate) == []


def test_a_corporate_profile_update_records_corporate_profile_updated(
    corporate: Corporate,
) -> None:
    corporate.update_profile({"sector": "Utilities"}, META)
    assert then(corporate) == [("CorporateProfileUpdated", {"changes": {"sector": "Utilities"}})]


def test_an_empty_corporate_profile_update_is_refused(corporate: Corporate) -> None:
    with pytest.raises(RuleViolationError):
        corporate.update_profile({}, META)


def test_adding_a_member_to_a_corporate_records_member_added(corporate: Corporate) -> None:
    corporate.add_member("dave", MemberRole.ADMIN, "pii:v1:dave", META)
    assert then(corporate) == [
        ("MemberAdded", {"user_id": "dave", "role": "ADMIN", "contact": "pii:v1:dave"})]
