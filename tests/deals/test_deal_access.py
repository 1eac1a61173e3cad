"""Who may act on purchase orders and loans (the application services, on an
in-memory ledger): the corporate issues and pays, the startup accepts; loans
are the borrower's and the operators' business, never the corporate party's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.deals import commands as c
from domain.deals.money import MoneyInput
from tests.deals.world import World, refused


@pytest.fixture
def world() -> World:
    return World()


def test_only_the_corporate_issues_orders(world: World) -> None:
    line = c.OrderLineInput(description="x", quantity=1, unit_price=MoneyInput(amount=Decimal("1")))
    cmd = c.IssueOrder(corporate_id=world.orgs["energeia"], startup_id=world.orgs["batterix"],
                       reference="BC-1", lines=[line])
    error = refused(world, lambda: world.orders.issue(cmd, world.as_("alice")))
    assert error.code == "FORBIDDEN"


def test_an_order_builds_only_on_an_agreement_in_force(world: World) -> None:
    negotiating = world.propose()
    error = refused(world, lambda: world.order(negotiating))
    assert (error.code, error.field) == ("RULE_VIOLATION", ("input", "agreementId"))


def test_an_order_builds_only_on_an_agreement_between_the_same_parties(world: World) -> None:
    with_qubitek = world.in_force(startup="qubitek")
    error = refused(world, lambda: world.order(with_qubitek, startup="batterix"))
    assert (error.code, error.field) == ("RULE_VIOLATION", ("input", "agreementId"))


def test_an_order_cannot_name_an_agreement_the_corporate_is_not_party_to(world: World) -> None:
    elsewhere = world.in_force(corporate="ferrovia")
    error = refused(world, lambda: world.order(elsewhere))
    assert (error.code, error.field) == ("NOT_FOUND", ("input", "agreementId"))


@pytest.mark.parametrize(("user", "code"), [
    ("carol", "FORBIDDEN"), ("olivia", "FORBIDDEN"), ("audrey", "FORBIDDEN"),
    ("mallory", "NOT_FOUND"), ("dave", "NOT_FOUND")])
def test_only_the_startup_accepts_an_order(world: World, user: str, code: str) -> None:
    order_id = world.order()
    accept = c.EntityCommand(id=order_id)
    assert refused(world, lambda: world.orders.accept(accept, world.as_(user))).code == code


def test_only_the_corporate_pays(world: World) -> None:
    order_id = world.order()
    pay = c.AmountCommand(id=order_id, amount=MoneyInput(amount=Decimal("1")))
    error = refused(world, lambda: world.orders.record_payment(pay, world.as_("alice")))
    assert error.code == "FORBIDDEN"


def test_a_startup_member_requests_a_loan_on_its_pilot_in_force(world: World) -> None:
    loan_id = world.loan(world.in_force())
    assert loan_id is not None


@pytest.mark.parametrize("kind", ["NDA", "MEMORANDUM", "LICENCE"])
def test_only_pilot_and_commercial_agreements_qualify(world: World, kind: str) -> None:
    agreement_id = world.in_force(kind=kind)
    error = refused(world, lambda: world.loan(agreement_id))
    assert (error.code, error.field) == ("RULE_VIOLATION", ("input", "agreementId"))


def test_a_negotiating_pilot_does_not_qualify(world: World) -> None:
    agreement_id = world.propose()
    assert refused(world, lambda: world.loan(agreement_id)).code == "RULE_VIOLATION"


def test_a_startup_cannot_borrow_on_someone_elses_agreement(world: World) -> None:
    theirs = world.in_force(startup="qubitek")
    error = refused(world, lambda: world.loan(theirs))
    assert (error.code, error.field) == ("NOT_FOUND", ("input", "agreementId"))


def test_the_corporate_party_cannot_request_a_loan(world: World) -> None:
    agreement_id = world.in_force()
    assert refused(world, lambda: world.loan(agreement_id, by="carol")).code == "FORBIDDEN"


@pytest.mark.parametrize(("user", "code"), [
    ("carol", "NOT_FOUND"), ("mallory", "NOT_FOUND"), ("alice", "FORBIDDEN"),
    ("audrey", "FORBIDDEN")])
def test_only_operators_review_loans_and_the_corporate_does_not_see_them(
    world: World, user: str, code: str,
) -> None:
    loan_id = world.loan(world.in_force())
    review = c.EntityCommand(id=loan_id)
    assert refused(world, lambda: world.loans.start_review(review, world.as_(user))).code == code


def test_an_operator_reviews_a_loan(world: World) -> None:
    loan_id = world.loan(world.in_force())
    world.loans.start_review(c.EntityCommand(id=loan_id), world.as_("olivia"))


def test_only_the_borrower_withdraws(world: World) -> None:
    loan_id = world.loan(world.in_force())
    withdraw = c.EntityCommand(id=loan_id)
    assert refused(world, lambda: world.loans.withdraw(withdraw, world.as_("olivia"))).code == (
        "FORBIDDEN")
    world.loans.withdraw(withdraw, world.as_("alice"))
