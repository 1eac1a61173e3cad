"""Given an application to a call, when a command runs, then these events (or this refusal)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.calls.application import Application
from domain.errors import InvalidError, RuleViolationError
from tests.calls.support import LATER, META, NOW, a_call, a_solution, an_application, events_of


def test_submitting_to_a_published_call_names_both_parties() -> None:
    call, startup = a_call("PUBLISHED"), uuid4()
    application = Application.submit(call, startup, a_solution(startup), "Pitch", NOW, META)
    assert events_of(application) == ["ApplicationSubmitted"]
    assert (application.startup_id, application.corporate_id) == (startup, call.corporate_id)


def test_no_application_after_the_deadline() -> None:
    with pytest.raises(RuleViolationError) as refused:
        Application.submit(a_call("PUBLISHED"), uuid4(), None, "Pitch", LATER, META)
    assert refused.value.field == ("input", "callId")


@pytest.mark.parametrize("status", ["CLOSED", "EVALUATING"])
def test_no_application_once_the_call_is_closed(status: str) -> None:
    with pytest.raises(RuleViolationError):
        Application.submit(a_call(status), uuid4(), None, "Pitch", NOW, META)


def test_the_solution_must_belong_to_the_applying_startup() -> None:
    with pytest.raises(InvalidError) as refused:
        Application.submit(a_call(), uuid4(), a_solution(uuid4()), "Pitch", NOW, META)
    assert refused.value.field == ("input", "solutionId")


def test_a_withdrawn_solution_cannot_back_an_application() -> None:
    startup = uuid4()
    solution = a_solution(startup)
    solution.withdraw(META)
    with pytest.raises(RuleViolationError):
        Application.submit(a_call(), startup, solution, "Pitch", NOW, META)


def test_the_startup_may_withdraw_until_a_decision() -> None:
    application = an_application(a_call())
    application.withdraw("Plus disponible", META)
    assert events_of(application) == ["ApplicationWithdrawn"]
    with pytest.raises(RuleViolationError):
        application.withdraw(None, META)


def test_scores_are_given_only_while_the_call_is_evaluating() -> None:
    call = a_call("PUBLISHED")
    application = an_application(call)
    call.close(META)
    with pytest.raises(RuleViolationError, match="EVALUATING"):
        application.score(call, "Innovation", 7, "carol", META)


def test_a_score_names_one_of_the_calls_criteria() -> None:
    call, application = _evaluating()
    with pytest.raises(InvalidError) as refused:
        application.score(call, "Couleur", 7, "carol", META)
    assert refused.value.field == ("input", "criterion")


@pytest.mark.parametrize("value", [-1, 11])
def test_a_score_is_from_0_to_10(value: int) -> None:
    call, application = _evaluating()
    with pytest.raises(InvalidError):
        application.score(call, "Innovation", value, "carol", META)


def test_scoring_the_same_criterion_again_replaces_the_evaluators_score() -> None:
    call, application = _evaluating()
    application.score(call, "Innovation", 3, "carol", META)
    application.score(call, "Innovation", 8, "carol", META)
    application.score(call, "Innovation", 6, "chloe", META)
    assert events_of(application) == ["ApplicationScored"] * 3
    assert application.scores == {"Innovation": {"carol": 8, "chloe": 6}}


def test_selection_needs_every_criterion_scored() -> None:
    call, application = _evaluating()
    application.score(call, "Innovation", 8, "carol", META)
    with pytest.raises(RuleViolationError, match="Impact"):
        application.select(call, META)
    application.score(call, "Impact", 5, "carol", META)
    application.select(call, META)
    assert events_of(application)[-1] == "ApplicationSelected"


def test_a_shortlisted_application_can_still_be_rejected_with_a_reason() -> None:
    call, application = _evaluating()
    application.shortlist(call, META)
    application.reject(call, "Hors périmètre", META)
    assert events_of(application) == ["ApplicationShortlisted", "ApplicationRejected"]
    assert application.decision_reason == "Hors périmètre"


def test_a_decision_is_final() -> None:
    call, application = _evaluating()
    application.reject(call, "Hors périmètre", META)
    with pytest.raises(RuleViolationError):
        application.shortlist(call, META)
    with pytest.raises(RuleViolationError):
        application.withdraw(None, META)


def test_decisions_wait_for_the_evaluation() -> None:
    call = a_call("PUBLISHED")
    application = an_application(call)
    with pytest.raises(RuleViolationError):
        application.shortlist(call, META)


def _evaluating() -> tuple:
    call = a_call("PUBLISHED")
    application = an_application(call)
    call.close(META)
    call.start_evaluation(META)
    return call, application
