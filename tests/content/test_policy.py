"""Who may propose and see case studies, and how an agreement is read (pure)."""

from __future__ import annotations

from enum import StrEnum
from types import SimpleNamespace
from uuid import UUID

import pytest

from domain.actors import Actor, Role
from domain.content.agreements import facts_of
from domain.content.policy import can_see_case_study, proposing_party
from domain.errors import ForbiddenError, NotFoundError
from tests.content.builders import AGREEMENT, CORPORATE, OUTSIDER, STARTUP

PARTIES = frozenset({CORPORATE, STARTUP})
FIELD = ("input", "agreementId")


def test_a_member_of_a_party_proposes_for_that_party() -> None:
    actor = Actor("carol", Role.CORPORATE)
    assert proposing_party(actor, frozenset({CORPORATE, OUTSIDER}), PARTIES, FIELD) == CORPORATE


@pytest.mark.parametrize("actor", [Actor("eve", Role.STARTUP), Actor("op", Role.OPERATOR),
                                   Actor("i", Role.INTEGRATOR, frozenset({OUTSIDER}))])
def test_who_may_not_see_the_agreement_is_told_it_does_not_exist(actor: Actor) -> None:
    with pytest.raises(NotFoundError) as refused:
        proposing_party(actor, frozenset({OUTSIDER}), PARTIES, FIELD)
    assert refused.value.field == FIELD


@pytest.mark.parametrize("actor", [Actor("aud", Role.AUDITOR),
                                   Actor("i", Role.INTEGRATOR, frozenset({STARTUP}))])
def test_readers_who_see_the_agreement_are_forbidden_to_propose(actor: Actor) -> None:
    with pytest.raises(ForbiddenError):
        proposing_party(actor, frozenset(), PARTIES, FIELD)


@pytest.mark.parametrize(("actor", "orgs", "published", "seen"), [
    (Actor(None, Role.VISITOR), frozenset(), True, True),
    (Actor(None, Role.VISITOR), frozenset(), False, False),
    (Actor("eve", Role.STARTUP), frozenset({OUTSIDER}), False, False),
    (Actor("alice", Role.STARTUP), frozenset({STARTUP}), False, True),
    (Actor("op", Role.OPERATOR), frozenset(), False, True),
    (Actor("aud", Role.AUDITOR), frozenset(), False, True),
])
def test_an_unpublished_case_study_is_seen_by_its_parties_operators_and_auditors(
    actor: Actor, orgs: frozenset[UUID], published: bool, seen: bool
) -> None:
    assert can_see_case_study(actor, orgs, PARTIES, published) is seen


class Status(StrEnum):
    IN_FORCE = "IN_FORCE"


@pytest.mark.parametrize(("status", "has_run"), [
    ("IN_FORCE", True), (Status.IN_FORCE, True), ("TERMINATED", True),
    ("EXPIRED", True), ("NEGOTIATING", False), ("REJECTED", False),
])
def test_an_agreement_is_read_by_its_attributes_alone(status: object, has_run: bool) -> None:
    agreement = SimpleNamespace(status=status, corporate_id=str(CORPORATE), startup_id=STARTUP)
    facts = facts_of(agreement, AGREEMENT)
    assert (facts.parties, facts.has_run) == (PARTIES, has_run)
