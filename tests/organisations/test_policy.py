"""The authorization policy (domain/policy.py) as pure functions of the actor
and the organisations they belong to."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.actors import Actor, MemberRole, Role
from domain.errors import ForbiddenError, UnauthenticatedError
from domain.policy import (
    can_see_members,
    can_see_stream,
    require_member,
    require_role,
    require_signed_in,
    viewer_organisations,
)

ORG = uuid4()
OTHER = uuid4()
VISITOR = Actor(None, Role.VISITOR)


class Memberships:
    """The membership read model, in memory."""

    def __init__(self, roles: dict[str, dict[UUID, MemberRole]]) -> None:
        self.roles = roles

    def roles_of(self, user_id: str) -> dict[UUID, MemberRole]:
        return self.roles.get(user_id, {})


MEMBERSHIPS = Memberships({"alice": {ORG: MemberRole.ADMIN}, "bob": {ORG: MemberRole.MEMBER}})


def test_a_signed_in_actor_is_known_by_their_user_id() -> None:
    assert require_signed_in(Actor("alice", Role.STARTUP)) == "alice"


def test_a_visitor_must_sign_in() -> None:
    with pytest.raises(UnauthenticatedError):
        require_signed_in(VISITOR)


def test_a_role_check_asks_a_visitor_to_sign_in_rather_than_forbidding() -> None:
    with pytest.raises(UnauthenticatedError):
        require_role(VISITOR, Role.OPERATOR)


def test_a_role_check_forbids_other_roles() -> None:
    with pytest.raises(ForbiddenError, match="OPERATOR"):
        require_role(Actor("alice", Role.STARTUP), Role.OPERATOR)


def test_a_role_check_lets_the_role_through() -> None:
    require_role(Actor("op", Role.OPERATOR), Role.OPERATOR)


def test_a_member_may_act_for_their_organisation() -> None:
    require_member(Actor("bob", Role.STARTUP), ORG, MEMBERSHIPS)


def test_a_non_member_may_not_act_for_an_organisation() -> None:
    with pytest.raises(ForbiddenError, match="not a member"):
        require_member(Actor("bob", Role.STARTUP), OTHER, MEMBERSHIPS)


def test_a_plain_member_may_not_do_what_needs_an_admin() -> None:
    with pytest.raises(ForbiddenError, match="ADMIN"):
        require_member(Actor("bob", Role.STARTUP), ORG, MEMBERSHIPS, admin=True)


def test_an_admin_may_do_what_needs_an_admin() -> None:
    require_member(Actor("alice", Role.STARTUP), ORG, MEMBERSHIPS, admin=True)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.AUDITOR, Role.INTEGRATOR])
def test_only_startup_and_corporate_users_act_for_an_organisation(role: Role) -> None:
    memberships = Memberships({"x": {ORG: MemberRole.ADMIN}})
    with pytest.raises(ForbiddenError):
        require_member(Actor("x", role, frozenset({ORG})), ORG, memberships)


def test_a_visitor_acting_for_an_organisation_must_sign_in() -> None:
    with pytest.raises(UnauthenticatedError):
        require_member(VISITOR, ORG, MEMBERSHIPS)


def test_a_membership_refusal_names_the_field_given() -> None:
    with pytest.raises(ForbiddenError) as refused:
        require_member(Actor("bob", Role.STARTUP), OTHER, MEMBERSHIPS, field=("input", "x"))
    assert refused.value.field == ("input", "x")


def test_an_integrator_views_the_organisations_of_its_token() -> None:
    actor = Actor("bot", Role.INTEGRATOR, frozenset({OTHER}))
    assert viewer_organisations(actor, [ORG]) == frozenset({OTHER})


@pytest.mark.parametrize("role", [Role.STARTUP, Role.CORPORATE])
def test_a_startup_or_corporate_user_views_the_organisations_they_belong_to(role: Role) -> None:
    assert viewer_organisations(Actor("alice", role), [ORG]) == frozenset({ORG})


@pytest.mark.parametrize("role", [Role.VISITOR, Role.OPERATOR, Role.AUDITOR])
def test_other_roles_view_no_organisation_as_their_own(role: Role) -> None:
    assert viewer_organisations(Actor("x", role), [ORG]) == frozenset()


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.AUDITOR])
def test_operators_and_auditors_see_every_members_list(role: Role) -> None:
    assert can_see_members(Actor("x", role), frozenset(), ORG)


def test_members_see_their_own_organisations_members() -> None:
    assert can_see_members(Actor("bob", Role.STARTUP), frozenset({ORG}), ORG)


def test_non_members_do_not_see_an_organisations_members() -> None:
    assert not can_see_members(Actor("bob", Role.STARTUP), frozenset({OTHER}), ORG)


def test_visitors_do_not_see_members() -> None:
    assert not can_see_members(VISITOR, frozenset(), ORG)


def test_an_auditor_sees_every_stream_agreements_included() -> None:
    assert can_see_stream(Actor("a", Role.AUDITOR), frozenset(), "Agreement", frozenset())


def test_an_operator_sees_every_stream_but_agreements() -> None:
    operator = Actor("op", Role.OPERATOR)
    assert can_see_stream(operator, frozenset(), "Startup", frozenset())
    assert not can_see_stream(operator, frozenset(), "Agreement", frozenset({ORG}))


def test_a_party_sees_the_streams_its_organisation_is_party_to() -> None:
    actor = Actor("bob", Role.STARTUP)
    assert can_see_stream(actor, frozenset({ORG}), "Agreement", frozenset({ORG, OTHER}))


def test_a_non_party_does_not_see_a_stream() -> None:
    actor = Actor("bob", Role.STARTUP)
    assert not can_see_stream(actor, frozenset({ORG}), "Startup", frozenset({OTHER}))


def test_a_visitor_sees_no_stream() -> None:
    assert not can_see_stream(VISITOR, frozenset(), "Startup", frozenset({ORG}))
