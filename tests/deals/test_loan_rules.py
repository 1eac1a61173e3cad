"""Scale-up loan rules: given a loan in some state, when a command runs, then
these events, or this error and nothing at all."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest

from domain.deals.loans import Loan
from domain.errors import InvalidError, RuleViolationError
from tests.deals.support import META, STARTUP, a_loan, eur, events_of


@pytest.mark.parametrize("amount", ["50000", "5000000"])
def test_a_loan_is_requested_between_50k_and_5m_eur(amount: str) -> None:
    loan = Loan.request(STARTUP, uuid4(), eur(amount), 84, "Déploiement", META)
    assert events_of(loan) == ["LoanRequested"]
    assert (loan.status, loan.requested) == ("REQUESTED", Decimal(amount))


@pytest.mark.parametrize("amount", ["49999.99", "5000000.01"])
def test_an_amount_outside_the_programme_is_invalid(amount: str) -> None:
    with pytest.raises(InvalidError) as refused:
        Loan.request(STARTUP, uuid4(), eur(amount), 84, "Déploiement", META)
    assert refused.value.field == ("input", "amount", "amount")


def test_a_loan_is_in_eur() -> None:
    with pytest.raises(InvalidError) as refused:
        Loan.request(STARTUP, uuid4(), eur("100000", "USD"), 84, "Déploiement", META)
    assert refused.value.field == ("input", "amount", "currency")


@pytest.mark.parametrize("term", [11, 121])
def test_the_term_is_12_to_120_months(term: int) -> None:
    with pytest.raises(InvalidError) as refused:
        Loan.request(STARTUP, uuid4(), eur("100000"), term, "Déploiement", META)
    assert refused.value.field == ("input", "termMonths")


def test_the_request_names_no_corporate() -> None:
    loan = Loan.request(STARTUP, uuid4(), eur("100000"), 84, "Déploiement", META)
    requested = loan.collect_events()[0]
    assert not hasattr(requested, "corporate_id")


def test_the_lifecycle_reaches_repaid_once_everything_approved_is_repaid() -> None:
    loan = a_loan("DISBURSED")
    loan.record_repayment(eur("40000"), META)
    assert loan.status == "DISBURSED"
    loan.record_repayment(eur("60000"), META)
    assert events_of(loan) == ["LoanRepaymentRecorded", "LoanRepaymentRecorded"]
    assert loan.status == "REPAID"


def test_repaying_what_was_disbursed_of_a_partly_disbursed_loan_is_not_repaid() -> None:
    loan = a_loan("APPROVED")
    loan.disburse(eur("50000"), META)
    loan.record_repayment(eur("50000"), META)
    assert loan.status == "DISBURSED"


def test_approval_grants_at_most_the_amount_requested() -> None:
    loan = a_loan("UNDER_REVIEW")
    with pytest.raises(RuleViolationError) as refused:
        loan.approve(eur("100000.01"), Decimal("2.5"), 84, 24, META)
    assert refused.value.field == ("input", "amount", "amount")
    assert events_of(loan) == []


def test_approval_may_grant_less_than_requested() -> None:
    loan = a_loan("UNDER_REVIEW")
    loan.approve(eur("80000"), Decimal("3.25"), 96, 36, META)
    assert (events_of(loan), loan.approved, loan.term_months) == (
        ["LoanApproved"], Decimal("80000.00"), 96)


@pytest.mark.parametrize(("term", "deferral"), [(84, 37), (84, -1), (24, 24)])
def test_deferral_is_at_most_36_months_and_shorter_than_the_term(term: int, deferral: int) -> None:
    with pytest.raises(InvalidError) as refused:
        a_loan("UNDER_REVIEW").approve(eur("100000"), Decimal("2"), term, deferral, META)
    assert refused.value.field == ("input", "deferralMonths")


def test_a_loan_is_approved_only_under_review() -> None:
    with pytest.raises(RuleViolationError):
        a_loan().approve(eur("100000"), Decimal("2"), 84, 12, META)


def test_disbursing_more_than_approved_is_refused() -> None:
    loan = a_loan("APPROVED")
    loan.disburse(eur("60000"), META)
    loan.collect_events()
    with pytest.raises(RuleViolationError) as refused:
        loan.disburse(eur("40000.01"), META)
    assert refused.value.field == ("input", "amount", "amount")
    assert events_of(loan) == []


def test_repaying_more_than_disbursed_is_refused() -> None:
    loan = a_loan("APPROVED")
    loan.disburse(eur("30000"), META)
    loan.collect_events()
    with pytest.raises(RuleViolationError):
        loan.record_repayment(eur("30000.01"), META)
    assert events_of(loan) == []


def test_nothing_is_disbursed_before_approval() -> None:
    with pytest.raises(RuleViolationError):
        a_loan("UNDER_REVIEW").disburse(eur("1000"), META)


def test_a_review_starts_only_on_a_requested_loan() -> None:
    loan = a_loan()
    loan.start_review(META)
    assert (events_of(loan), loan.status) == (["LoanReviewStarted"], "UNDER_REVIEW")
    with pytest.raises(RuleViolationError):
        loan.start_review(META)


def test_a_loan_under_review_is_rejected_with_a_reason() -> None:
    loan = a_loan("UNDER_REVIEW")
    loan.reject("Fonds propres insuffisants", META)
    assert (events_of(loan), loan.status) == (["LoanRejected"], "REJECTED")


def test_a_loan_not_under_review_cannot_be_rejected() -> None:
    with pytest.raises(RuleViolationError):
        a_loan("APPROVED").reject("Trop tard", META)


@pytest.mark.parametrize("status", ["REQUESTED", "UNDER_REVIEW"])
def test_a_loan_is_withdrawn_before_a_decision(status: str) -> None:
    loan = a_loan(status)
    loan.withdraw("Financement trouvé", META)
    assert (events_of(loan), loan.status) == (["LoanWithdrawn"], "WITHDRAWN")


def test_an_approved_loan_cannot_be_withdrawn() -> None:
    with pytest.raises(RuleViolationError):
        a_loan("APPROVED").withdraw(None, META)


def test_a_disbursed_loan_is_flagged_in_default() -> None:
    loan = a_loan("DISBURSED")
    loan.flag_default("Impayés", META)
    assert (events_of(loan), loan.status) == (["LoanDefaulted"], "DEFAULTED")


def test_only_a_disbursed_loan_defaults() -> None:
    with pytest.raises(RuleViolationError):
        a_loan("APPROVED").flag_default("Impayés", META)
