"""Given a proposed case study, when a party consents, then... (pure domain)."""

from __future__ import annotations

import pytest

from domain.errors import ForbiddenError, RuleViolationError
from tests.content.builders import (
    CORPORATE,
    META,
    OUTSIDER,
    STARTUP,
    given_case_study,
    propose_case_study,
    recorded,
)


def test_a_proposed_case_study_is_unpublished_and_names_both_parties() -> None:
    study = given_case_study()
    assert study.published is False
    assert study.parties == (str(CORPORATE), str(STARTUP))


def test_the_first_consent_is_recorded_without_publishing() -> None:
    study = given_case_study()
    study.consent(STARTUP, META)
    assert recorded(study) == [("CaseStudyConsented", {"organisation_id": str(STARTUP)})]
    assert study.published is False


def test_the_second_party_consent_publishes_the_case_study() -> None:
    study = given_case_study(consented=[STARTUP])
    study.consent(CORPORATE, META)
    assert recorded(study) == [
        ("CaseStudyConsented", {"organisation_id": str(CORPORATE)}),
        ("CaseStudyPublished", {}),
    ]
    assert study.published is True


def test_a_party_consents_only_once() -> None:
    study = given_case_study(consented=[CORPORATE])
    with pytest.raises(RuleViolationError) as refused:
        study.consent(CORPORATE, META)
    assert refused.value.field == ("input", "organisationId")
    assert recorded(study) == []


def test_a_published_case_study_takes_no_further_consent() -> None:
    study = given_case_study(consented=[CORPORATE, STARTUP])
    with pytest.raises(RuleViolationError):
        study.consent(STARTUP, META)


def test_an_organisation_outside_the_agreement_may_not_consent() -> None:
    study = given_case_study()
    with pytest.raises(ForbiddenError):
        study.consent(OUTSIDER, META)
    assert recorded(study) == []


def test_replaying_the_events_rebuilds_the_published_study() -> None:
    study = propose_case_study()
    study.consent(CORPORATE, META)
    study.consent(STARTUP, META)
    events = study.collect_events()
    replayed = None
    for e in events:
        replayed = e.mutate(replayed)
    assert replayed is not None
    assert (replayed.published, replayed.consented_by) == (True, [str(CORPORATE), str(STARTUP)])
