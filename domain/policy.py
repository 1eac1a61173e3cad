"""Who may do what: the authorization rules of ARCHITECTURE.md, as pure
functions of the actor and the organisations they belong to."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from domain.actors import Actor, MemberRole, Role
from domain.errors import ForbiddenError, UnauthenticatedError
from domain.ports import Memberships

READ_ALL = frozenset({Role.AUDITOR})


def require_signed_in(actor: Actor) -> str:
    """The actor's user id; visitors are refused before anything else."""
    if not actor.signed_in or actor.user_id is None:
        raise UnauthenticatedError("Sign in to do this")
    return actor.user_id


def require_role(actor: Actor, *roles: Role) -> None:
    require_signed_in(actor)
    if actor.role not in roles:
        allowed = " or ".join(r.value for r in roles)
        raise ForbiddenError(f"Only {allowed} users may do this")


def require_member(
    actor: Actor,
    organisation_id: UUID,
    memberships: Memberships,
    *,
    admin: bool = False,
    field: tuple[str, ...] = (),
) -> None:
    """STARTUP and CORPORATE users act only for organisations they belong to."""
    user_id = require_signed_in(actor)
    if actor.role not in (Role.STARTUP, Role.CORPORATE):
        raise ForbiddenError(f"{actor.role.value} users may not act for an organisation", field)
    role = memberships.roles_of(user_id).get(organisation_id)
    if role is None:
        raise ForbiddenError("You are not a member of this organisation", field)
    if admin and role is not MemberRole.ADMIN:
        raise ForbiddenError("Only ADMIN members may do this", field)


def viewer_organisations(actor: Actor, member_of: Iterable[UUID]) -> frozenset[UUID]:
    """The organisations whose confidential views the actor gets."""
    if actor.role is Role.INTEGRATOR:
        return actor.integrator_orgs
    if actor.role in (Role.STARTUP, Role.CORPORATE):
        return frozenset(member_of)
    return frozenset()


def can_see_members(actor: Actor, viewer_orgs: frozenset[UUID], organisation_id: UUID) -> bool:
    """Members lists: the organisation's own members, operators and auditors."""
    return actor.role in (Role.OPERATOR, Role.AUDITOR) or organisation_id in viewer_orgs


def can_see_stream(
    actor: Actor, viewer_orgs: frozenset[UUID], stream_type: str, parties: frozenset[UUID]
) -> bool:
    """History and ledger entries: auditors everything, operators all but
    agreements, others the streams their organisations are party to."""
    if actor.role is Role.AUDITOR:
        return True
    if actor.role is Role.OPERATOR:
        return stream_type != "Agreement"
    return bool(viewer_orgs & parties)
