"""Who sees and who acts on deals (ARCHITECTURE.md, who may do what), as pure
functions of the actor, their organisations and the stream's parties."""

from __future__ import annotations

from uuid import UUID

from domain.actors import Actor, Role
from domain.errors import ForbiddenError
from domain.policy import viewer_organisations
from domain.ports import Memberships

ACTING_ROLES = (Role.STARTUP, Role.CORPORATE)


def organisations_of(actor: Actor, memberships: Memberships) -> frozenset[UUID]:
    """The organisations whose confidential views the actor gets."""
    if actor.role in ACTING_ROLES and actor.user_id:
        return viewer_organisations(actor, memberships.roles_of(actor.user_id))
    return viewer_organisations(actor, ())


def may_see(
    actor: Actor, organisations: frozenset[UUID], parties: frozenset[UUID], *, operators: bool
) -> bool:
    """Auditors see every deal; operators those `operators` allows; others the
    deals their organisations are party to."""
    if actor.role is Role.AUDITOR:
        return True
    if actor.role is Role.OPERATOR:
        return operators
    return bool(organisations & parties)


def require_party(
    actor: Actor, organisations: frozenset[UUID], parties: frozenset[UUID], what: str
) -> UUID:
    """FORBIDDEN unless a member of one of the parties; returns that party."""
    mine = sorted(organisations & parties) if actor.role in ACTING_ROLES else []
    if not mine:
        raise ForbiddenError(f"Only members of the parties may act on this {what}")
    return mine[0]


def require_side(actor: Actor, organisations: frozenset[UUID], side: UUID, who: str) -> None:
    """FORBIDDEN unless a member of this one party (e.g. the startup of an order)."""
    if actor.role not in ACTING_ROLES or side not in organisations:
        raise ForbiddenError(f"Only members of the {who} may do this")
