"""Given a scheduled event, when an organisation registers or the operator
cancels, then... (pure domain: capacity, once per organisation, cancellation)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.content.aggregates import Event
from domain.errors import InvalidError, RuleViolationError
from tests.content.builders import META, NOW, given_event, org, recorded


def test_scheduling_records_the_start_as_iso_8601() -> None:
    scheduled = Event.schedule("Rencontres", NOW, "Lyon", 30, META)
    assert recorded(scheduled) == [("EventScheduled", {
        "title": "Rencontres", "starts_at": "2024-05-01T12:00:00+00:00", "location": "Lyon",
        "capacity": 30})]


def test_an_event_holds_at_least_one_organisation() -> None:
    with pytest.raises(InvalidError) as refused:
        Event.schedule("Rencontres", NOW, "Lyon", 0, META)
    assert refused.value.field == ("input", "capacity")


def test_an_event_needs_a_time_zone() -> None:
    with pytest.raises(InvalidError):
        Event.schedule("Rencontres", NOW.replace(tzinfo=None), "Lyon", 10, META)


def test_an_organisation_registers_for_an_event_with_seats_left() -> None:
    event = given_event(capacity=2)
    event.register_organisation(org(1), NOW, META)
    assert recorded(event) == [("EventRegistrationRecorded", {"organisation_id": str(org(1))})]


def test_the_last_seat_can_be_taken() -> None:
    event = given_event(capacity=2, registered=[org(1)])
    event.register_organisation(org(2), NOW, META)
    assert event.full


def test_a_full_event_refuses_registrations() -> None:
    event = given_event(capacity=2, registered=[org(1), org(2)])
    with pytest.raises(RuleViolationError, match="full"):
        event.register_organisation(org(3), NOW, META)
    assert recorded(event) == []


def test_an_organisation_registers_at_most_once() -> None:
    event = given_event(capacity=5, registered=[org(1)])
    with pytest.raises(RuleViolationError, match="already registered") as refused:
        event.register_organisation(org(1), NOW, META)
    assert refused.value.field == ("input", "organisationId")


def test_a_cancelled_event_refuses_registrations() -> None:
    event = given_event(cancelled=True)
    with pytest.raises(RuleViolationError, match="cancelled"):
        event.register_organisation(org(1), NOW, META)


def test_an_event_that_has_started_refuses_registrations() -> None:
    event = given_event(starts_in=timedelta(hours=-1))
    with pytest.raises(RuleViolationError, match="started"):
        event.register_organisation(org(1), NOW, META)


def test_cancelling_records_event_cancelled_once() -> None:
    event = given_event()
    event.cancel(META)
    assert recorded(event) == [("EventCancelled", {})]
    with pytest.raises(RuleViolationError):
        event.cancel(META)
