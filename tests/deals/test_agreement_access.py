"""Who may act on agreements (the application service, on an in-memory
ledger): members of the parties act; operators and auditors, who see an
agreement, get FORBIDDEN; whoever may not even see it gets NOT_FOUND; a
refused command writes nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from dateutil.relativedelta import relativedelta

from domain.deals import applications
from domain.deals import commands as c
from domain.deals.agreements import Agreement
from tests.deals import fake_calls
from tests.deals.support import terms_input
from tests.deals.world import World, refused


@pytest.fixture
def world() -> World:
    return World()


def amend(world: World, agreement_id: Any, by: str) -> Any:
    cmd = c.AmendAgreement(id=agreement_id, terms=terms_input(duration_months=12))
    return world.agreements.amend(cmd, world.as_(by))


def test_a_member_of_either_party_proposes(world: World) -> None:
    world.propose(by="carol")
    world.propose(by="alice")
    assert world.count() == 6


@pytest.mark.parametrize("user", ["mallory", "olivia", "audrey"])
def test_others_may_not_propose_for_the_parties(world: World, user: str) -> None:
    assert refused(world, lambda: world.propose(by=user)).code == "FORBIDDEN"


def test_a_visitor_must_sign_in(world: World) -> None:
    assert refused(world, lambda: world.propose(by=None)).code == "UNAUTHENTICATED"


def test_an_unknown_corporate_is_not_found(world: World) -> None:
    world.orgs["ghost"] = uuid4()
    error = refused(world, lambda: world.propose(corporate="ghost"))
    assert (error.code, error.field) == ("NOT_FOUND", ("input", "corporateId"))


def test_a_party_amends(world: World) -> None:
    agreement_id = world.propose()
    assert amend(world, agreement_id, "carol").stream_id == agreement_id


@pytest.mark.parametrize(("user", "code"), [
    ("mallory", "NOT_FOUND"), ("dave", "NOT_FOUND"), ("olivia", "FORBIDDEN"),
    ("audrey", "FORBIDDEN")])
def test_who_may_not_amend_learns_only_what_they_may_see(
    world: World, user: str, code: str,
) -> None:
    agreement_id = world.propose()
    assert refused(world, lambda: amend(world, agreement_id, user)).code == code


def test_an_invisible_agreement_reads_exactly_like_an_absent_one(world: World) -> None:
    agreement_id = world.propose()
    hidden = refused(world, lambda: amend(world, agreement_id, "mallory"))
    absent_id = uuid4()
    absent = refused(world, lambda: amend(world, absent_id, "mallory"))
    assert hidden.message.replace(str(agreement_id), "X") == absent.message.replace(
        str(absent_id), "X")


def test_a_stale_expected_version_is_a_conflict(world: World) -> None:
    agreement_id = world.propose()
    cmd = c.AmendAgreement(id=agreement_id, expected_version=5,
                           terms=terms_input(scope="Autre"))
    error = refused(world, lambda: world.agreements.amend(cmd, world.as_("carol")))
    assert (error.code, error.field) == ("CONFLICT", ("input", "expectedVersion"))


def test_one_signs_only_for_an_organisation_one_belongs_to(world: World) -> None:
    agreement_id = world.propose()
    sign = c.SignAgreement(id=agreement_id, organisation_id=world.orgs["energeia"], revision=1)
    error = refused(world, lambda: world.agreements.sign(sign, world.as_("alice")))
    assert (error.code, error.field) == ("FORBIDDEN", ("input", "organisationId"))


def test_the_signature_records_the_signer(world: World) -> None:
    agreement_id = world.in_force()
    agreement = world.ledger.load(Agreement, agreement_id)
    assert agreement.status == "IN_FORCE"
    assert {s["user_id"] for s in agreement.signatures.values()} == {"alice", "carol"}


@pytest.fixture
def with_applications(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The calls slice's Application, played by a tiny fake aggregate."""
    monkeypatch.setattr(applications, "APPLICATION_MODULES", (fake_calls.__name__,))
    yield


def an_application(world: World, status: str, startup: str = "batterix") -> Any:
    application = fake_calls.Application(startup_id=world.orgs[startup],
                                         corporate_id=world.orgs["energeia"], status=status)
    world.ledger.save(application)
    return application.id


@pytest.mark.usefixtures("with_applications")
@pytest.mark.parametrize("status", ["SHORTLISTED", "SELECTED"])
def test_an_agreement_follows_a_shortlisted_or_selected_application(
    world: World, status: str,
) -> None:
    world.propose(application_id=an_application(world, status))


@pytest.mark.usefixtures("with_applications")
@pytest.mark.parametrize("status", ["SUBMITTED", "REJECTED", "WITHDRAWN"])
def test_an_undecided_or_refused_application_leads_to_no_agreement(
    world: World, status: str,
) -> None:
    application_id = an_application(world, status)
    error = refused(world, lambda: world.propose(application_id=application_id))
    assert (error.code, error.field) == ("RULE_VIOLATION", ("input", "applicationId"))


@pytest.mark.usefixtures("with_applications")
def test_the_agreement_binds_the_applications_own_parties(world: World) -> None:
    application_id = an_application(world, "SELECTED", startup="qubitek")
    error = refused(world, lambda: world.propose(application_id=application_id, by="carol"))
    assert (error.code, error.field) == ("RULE_VIOLATION", ("input", "applicationId"))


@pytest.mark.usefixtures("with_applications")
def test_someone_elses_application_is_not_found(world: World) -> None:
    application_id = an_application(world, "SELECTED", startup="qubitek")
    error = refused(world, lambda: world.propose(application_id=application_id, by="alice"))
    assert (error.code, error.field) == ("NOT_FOUND", ("input", "applicationId"))


def test_without_the_calls_slice_an_application_is_not_found(
    world: World, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(applications, "APPLICATION_MODULES", ("no.such.module",))
    error = refused(world, lambda: world.propose(application_id=uuid4()))
    assert (error.code, error.field) == ("NOT_FOUND", ("input", "applicationId"))


def at(world: World, user: str, months: int) -> Any:
    """The user's context `months` after the test clock's now."""
    return dataclasses.replace(world.as_(user), now=world.as_(user).now + relativedelta(
        months=months))


def test_the_platform_records_an_agreement_s_expiry(world: World) -> None:
    agreement_id = world.in_force()  # terms(): 6 months, in force now (wall clock)
    recorded = world.agreements.expire(agreement_id, at(world, "olivia", 1_000))
    assert world.ledger.load(Agreement, agreement_id).status == "EXPIRED"
    assert recorded.stream_id == agreement_id


@pytest.mark.parametrize("user", ["carol", "alice", "audrey"])
def test_nobody_but_the_platform_expires_an_agreement(world: World, user: str) -> None:
    agreement_id = world.in_force()
    error = refused(world, lambda: world.agreements.expire(agreement_id, at(world, user, 1_000)))
    assert error.code == "FORBIDDEN"


def test_an_expired_agreement_backs_no_order_and_no_loan(world: World) -> None:
    agreement_id = world.in_force()
    world.agreements.expire(agreement_id, at(world, "olivia", 1_000))
    assert refused(world, lambda: world.order(agreement_id)).code == "RULE_VIOLATION"
    assert refused(world, lambda: world.loan(agreement_id)).code == "RULE_VIOLATION"


def test_a_party_terminates_within_the_duration_only(world: World) -> None:
    agreement_id = world.in_force()  # terms(): 6 months
    cmd = c.ReasonedCommand(id=agreement_id, reason="Fin du pilote")
    error = refused(world, lambda: world.agreements.terminate(cmd, at(world, "alice", 7)))
    assert error.code == "RULE_VIOLATION"
    world.agreements.terminate(cmd, at(world, "alice", 5))
    assert world.ledger.load(Agreement, agreement_id).status == "TERMINATED"
