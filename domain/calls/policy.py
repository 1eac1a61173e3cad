"""Who may see calls and applications (ARCHITECTURE.md, who may do what), as
pure functions shared by the commands (NOT_FOUND) and the read side (null)."""

from __future__ import annotations

from uuid import UUID

from domain.actors import Actor, Role
from domain.policy import viewer_organisations
from domain.ports import Memberships

DRAFT = "DRAFT"


def can_see_call(
    actor: Actor, viewer_orgs: frozenset[UUID], status: str, corporate_id: UUID
) -> bool:
    """Drafts: the corporate's members (and auditors); every other status is public."""
    return status != DRAFT or actor.role is Role.AUDITOR or corporate_id in viewer_orgs


def sees_every_application(actor: Actor) -> bool:
    """Auditors read everything; operators run the programme and read applications
    (the contract's Call.applications), never changing them."""
    return actor.role in (Role.AUDITOR, Role.OPERATOR)


def can_see_application(
    actor: Actor, viewer_orgs: frozenset[UUID], startup_id: UUID, corporate_id: UUID
) -> bool:
    """The applicant's members and the call's corporate; never other startups."""
    return sees_every_application(actor) or bool({startup_id, corporate_id} & viewer_orgs)


def organisations_of(actor: Actor, memberships: Memberships) -> frozenset[UUID]:
    """The viewer organisations of a command's actor, from the membership read model."""
    if actor.user_id is None:
        return frozenset()
    return viewer_organisations(actor, memberships.roles_of(actor.user_id).keys())
