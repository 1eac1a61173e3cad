"""Agreement rules: given an agreement in some state, when a command runs,
then these events are emitted, or this error and nothing at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta

from domain.deals.agreements import Agreement, require_in_force
from domain.deals.terms import terms_hash
from domain.errors import ConflictError, ForbiddenError, InvalidError, RuleViolationError
from tests.deals.support import CORPORATE, META, STARTUP, an_agreement, events_of, terms


def test_a_proposal_is_revision_one_with_the_hash_of_its_terms() -> None:
    agreement = Agreement.propose("PILOT", "Pilote", CORPORATE, STARTUP, None, terms(), META)
    assert events_of(agreement) == ["AgreementProposed"]
    assert (agreement.revision, agreement.status) == (1, "NEGOTIATING")
    assert agreement.terms_hash == terms_hash(terms())


def test_a_pilot_without_success_criteria_is_invalid() -> None:
    with pytest.raises(InvalidError) as refused:
        Agreement.propose("PILOT", "Pilote", CORPORATE, STARTUP, None,
                          terms(success_criteria=[]), META)
    assert refused.value.field == ("input", "terms", "successCriteria")


def test_an_nda_needs_no_success_criteria() -> None:
    agreement = Agreement.propose("NDA", "NDA", CORPORATE, STARTUP, None,
                                  terms(success_criteria=[]), META)
    assert events_of(agreement) == ["AgreementProposed"]


def test_an_amendment_adds_a_revision_and_voids_every_signature() -> None:
    agreement = an_agreement()
    agreement.sign(STARTUP, "alice", 1, META)
    agreement.amend(terms(duration_months=9), META)
    assert events_of(agreement) == ["AgreementSigned", "AgreementAmended"]
    assert (agreement.revision, agreement.signatures) == (2, {})
    assert agreement.terms_hash == terms_hash(terms(duration_months=9))


def test_an_amendment_that_changes_no_clause_is_refused() -> None:
    agreement = an_agreement()
    with pytest.raises(RuleViolationError):
        agreement.amend(terms(), META)
    assert events_of(agreement) == []


def test_an_amended_pilot_keeps_at_least_one_success_criterion() -> None:
    agreement = an_agreement()
    with pytest.raises(InvalidError):
        agreement.amend(terms(success_criteria=[]), META)
    assert events_of(agreement) == []


def test_the_first_signature_leaves_the_agreement_negotiating() -> None:
    agreement = an_agreement()
    agreement.sign(STARTUP, "alice", 1, META)
    assert events_of(agreement) == ["AgreementSigned"]
    assert agreement.status == "NEGOTIATING"


def test_the_second_party_signature_puts_the_agreement_in_force() -> None:
    agreement = an_agreement()
    agreement.sign(STARTUP, "alice", 1, META)
    agreement.sign(CORPORATE, "carol", 1, META)
    assert events_of(agreement) == [
        "AgreementSigned", "AgreementSigned", "AgreementEnteredIntoForce"]
    assert agreement.status == "IN_FORCE"


def test_a_signature_names_the_revision_and_its_terms_hash() -> None:
    agreement = an_agreement()
    agreement.sign(CORPORATE, "carol", 1, META)
    signed: Any = agreement.collect_events()[0]  # its class is made by @event
    assert (signed.revision, signed.terms_hash) == (1, terms_hash(terms()))
    assert (signed.organisation_id, signed.user_id) == (str(CORPORATE), "carol")


@pytest.mark.parametrize("revision", [1, 3])
def test_signing_any_revision_but_the_current_one_is_a_conflict(revision: int) -> None:
    agreement = an_agreement()
    agreement.amend(terms(duration_months=9), META)
    agreement.collect_events()
    with pytest.raises(ConflictError) as refused:
        agreement.sign(STARTUP, "alice", revision, META)
    assert refused.value.field == ("input", "revision")
    assert events_of(agreement) == []


def test_a_party_signs_a_revision_once() -> None:
    agreement = an_agreement()
    agreement.sign(STARTUP, "alice", 1, META)
    agreement.collect_events()
    with pytest.raises(RuleViolationError):
        agreement.sign(STARTUP, "bob", 1, META)
    assert events_of(agreement) == []


def test_an_organisation_that_is_not_a_party_cannot_sign() -> None:
    from uuid import uuid4

    with pytest.raises(ForbiddenError):
        an_agreement().sign(uuid4(), "mallory", 1, META)


def test_terms_are_frozen_once_in_force() -> None:
    agreement = an_agreement(status="IN_FORCE")
    with pytest.raises(RuleViolationError):
        agreement.amend(terms(duration_months=9), META)
    assert events_of(agreement) == []


def test_an_agreement_in_force_cannot_be_rejected() -> None:
    with pytest.raises(RuleViolationError):
        an_agreement(status="IN_FORCE").reject("Trop tard", META)


def test_an_agreement_in_force_is_terminated_with_its_reason() -> None:
    agreement = an_agreement(status="IN_FORCE")
    agreement.terminate("Pilote arrêté", datetime.now(UTC), META)
    assert events_of(agreement) == ["AgreementTerminated"]
    assert (agreement.status, agreement.reason) == ("TERMINATED", "Pilote arrêté")


def test_a_negotiating_agreement_cannot_be_terminated() -> None:
    with pytest.raises(RuleViolationError):
        an_agreement().terminate("Pas encore signé", datetime.now(UTC), META)


def test_a_negotiating_agreement_can_be_rejected() -> None:
    agreement = an_agreement()
    agreement.reject(None, META)
    assert events_of(agreement) == ["AgreementRejected"]
    assert agreement.status == "REJECTED"


@pytest.mark.parametrize("status", ["REJECTED", "IN_FORCE"])
def test_only_a_negotiating_agreement_is_signed(status: str) -> None:
    agreement = an_agreement(status=status)
    with pytest.raises(RuleViolationError):
        agreement.sign(STARTUP, "alice", agreement.revision, META)
    assert events_of(agreement) == []


def test_a_terminated_agreement_cannot_be_terminated_again() -> None:
    agreement = an_agreement(status="IN_FORCE")
    agreement.terminate("Fin", datetime.now(UTC), META)
    agreement.collect_events()
    with pytest.raises(RuleViolationError):
        agreement.terminate("Encore", datetime.now(UTC), META)


def test_an_agreement_runs_out_its_duration_after_entering_into_force() -> None:
    agreement = an_agreement(status="IN_FORCE")  # terms(): 6 months
    assert agreement.in_force_until() == agreement.modified_on + relativedelta(months=6)


def test_an_agreement_in_force_past_its_duration_expires() -> None:
    agreement = an_agreement(status="IN_FORCE")
    agreement.expire(agreement.in_force_until(), META)
    assert events_of(agreement) == ["AgreementExpired"]
    assert agreement.status == "EXPIRED"


def test_an_agreement_does_not_expire_before_its_duration_has_run_out() -> None:
    agreement = an_agreement(status="IN_FORCE")
    with pytest.raises(RuleViolationError, match="in force until"):
        agreement.expire(agreement.in_force_until() - timedelta(microseconds=1), META)
    assert events_of(agreement) == []
    assert agreement.status == "IN_FORCE"


@pytest.mark.parametrize("status", ["NEGOTIATING", "REJECTED", "TERMINATED", "EXPIRED"])
def test_only_an_agreement_in_force_expires(status: str) -> None:
    agreement = an_agreement(status="IN_FORCE" if status in ("TERMINATED", "EXPIRED") else status)
    later = agreement.modified_on + relativedelta(years=30)
    if status == "TERMINATED":
        agreement.terminate("Fin", datetime.now(UTC), META)
    elif status == "EXPIRED":
        agreement.expire(later, META)
    agreement.collect_events()
    with pytest.raises(RuleViolationError):
        agreement.expire(later, META)
    assert events_of(agreement) == []


def test_an_expired_agreement_cannot_be_terminated() -> None:
    agreement = an_agreement(status="IN_FORCE")
    agreement.expire(agreement.in_force_until(), META)
    agreement.collect_events()
    with pytest.raises(RuleViolationError):
        agreement.terminate("Trop tard", datetime.now(UTC), META)
    assert events_of(agreement) == []


def test_an_agreement_past_its_duration_is_not_terminated_but_expires() -> None:
    agreement = an_agreement(status="IN_FORCE")
    with pytest.raises(RuleViolationError, match="it expires, it is not terminated"):
        agreement.terminate("Trop tard", agreement.in_force_until(), META)
    assert events_of(agreement) == []


def test_an_agreement_past_its_duration_backs_nothing_before_its_expiry_is_recorded() -> None:
    agreement = an_agreement(status="IN_FORCE")
    until = agreement.in_force_until()
    require_in_force(agreement, until - timedelta(microseconds=1), ("input", "agreementId"))
    with pytest.raises(RuleViolationError, match="no longer in force") as refused:
        require_in_force(agreement, until, ("input", "agreementId"))
    assert refused.value.field == ("input", "agreementId")
