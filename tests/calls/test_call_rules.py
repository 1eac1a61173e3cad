"""Given a call, when a command runs, then these events (or this refusal)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.calls.aggregates import Call
from domain.errors import InvalidError, RuleViolationError
from tests.calls.support import LATER, META, NOW, a_call, a_draft, events_of


def test_a_draft_records_call_drafted_with_its_corporate() -> None:
    call = Call.draft(corporate_id=a_draft().corporate_id, title="T", challenge="C", sectors=[],
                      technologies=[], criteria=[{"name": "Prix", "weight": 100}], budget=None,
                      deadline=LATER, now=NOW, meta=META)
    assert events_of(call) == ["CallDrafted"]
    assert call.status == "DRAFT"


@pytest.mark.parametrize("criteria", [
    [], [{"name": "Prix", "weight": 60}, {"name": "Délai", "weight": 30}],
    [{"name": "Prix", "weight": 50}, {"name": "prix", "weight": 50}],
])
def test_a_draft_refuses_criteria_that_could_never_be_published(criteria: list) -> None:
    with pytest.raises(InvalidError) as refused:
        a_draft(criteria=criteria)
    assert refused.value.field == ("input", "criteria")


def test_a_draft_refuses_a_deadline_already_past() -> None:
    with pytest.raises(RuleViolationError) as refused:
        a_draft(deadline=NOW - timedelta(seconds=1))
    assert refused.value.field == ("input", "deadline")


def test_publishing_a_draft_before_its_deadline_records_call_published() -> None:
    call = a_draft()
    call.publish(NOW, META)
    assert events_of(call) == ["CallPublished"]


def test_publishing_needs_a_deadline_still_in_the_future() -> None:
    call = a_draft(deadline=NOW + timedelta(hours=1))
    with pytest.raises(RuleViolationError):
        call.publish(NOW + timedelta(hours=2), META)
    assert events_of(call) == []


def test_publishing_needs_weights_adding_up_to_100() -> None:
    call = a_draft()
    call.criteria = [{"name": "Prix", "weight": 90}]  # a state no command can reach
    with pytest.raises(RuleViolationError, match="add up to 100"):
        call.publish(NOW, META)


def test_a_published_call_cannot_be_published_again() -> None:
    with pytest.raises(RuleViolationError, match="PUBLISHED"):
        a_call("PUBLISHED").publish(NOW, META)


def test_extending_a_published_call_to_a_later_deadline_records_it() -> None:
    call = a_call("PUBLISHED")
    call.extend_deadline(LATER + timedelta(days=1), NOW, META)
    assert events_of(call) == ["CallDeadlineExtended"]
    assert call.deadline_at == LATER + timedelta(days=1)


def test_a_deadline_cannot_move_earlier() -> None:
    call = a_call("PUBLISHED")
    with pytest.raises(RuleViolationError) as refused:
        call.extend_deadline(LATER - timedelta(days=1), NOW, META)
    assert refused.value.field == ("input", "deadline")


def test_a_closed_call_keeps_its_deadline() -> None:
    with pytest.raises(RuleViolationError):
        a_call("CLOSED").extend_deadline(LATER + timedelta(days=1), NOW, META)


def test_the_status_machine_runs_draft_published_closed_evaluating() -> None:
    call = a_draft()
    call.publish(NOW, META)
    call.close(META)
    call.start_evaluation(META)
    assert events_of(call) == ["CallPublished", "CallClosed", "CallEvaluationStarted"]


def test_evaluation_cannot_start_before_the_call_is_closed() -> None:
    with pytest.raises(RuleViolationError):
        a_call("PUBLISHED").start_evaluation(META)


def test_a_draft_cannot_be_closed() -> None:
    with pytest.raises(RuleViolationError):
        a_draft().close(META)


@pytest.mark.parametrize("status", ["PUBLISHED", "CLOSED", "EVALUATING"])
def test_a_call_can_be_cancelled_before_it_is_awarded(status: str) -> None:
    call = a_call(status)
    call.cancel("Budget réaffecté", META)
    assert events_of(call) == ["CallCancelled"]


def test_an_awarded_call_cannot_be_cancelled() -> None:
    call = a_call("EVALUATING")
    call.award([a_draft().id], META)
    with pytest.raises(RuleViolationError):
        call.cancel(None, META)


def test_awarding_needs_at_least_one_selected_application() -> None:
    with pytest.raises(RuleViolationError, match="SELECTED"):
        a_call("EVALUATING").award([], META)


def test_awarding_needs_the_call_to_be_evaluating() -> None:
    with pytest.raises(RuleViolationError):
        a_call("CLOSED").award([a_draft().id], META)


def test_a_call_past_its_deadline_accepts_no_application_even_before_closing() -> None:
    call = a_call("PUBLISHED")
    assert call.accepts_applications(NOW)
    assert not call.accepts_applications(LATER)
