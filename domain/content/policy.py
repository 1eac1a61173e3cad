"""Who may see and act on open content (pure functions of the actor)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from domain.actors import Actor, Role
from domain.errors import ForbiddenError, NotFoundError

# Operators run the platform and auditors read everything: both see case
# studies before publication (not the agreements behind them, for operators).
SEE_UNPUBLISHED = frozenset({Role.OPERATOR, Role.AUDITOR})
ACT_FOR_ORGANISATIONS = frozenset({Role.STARTUP, Role.CORPORATE})


def can_see_case_study(
    actor: Actor, viewer_orgs: frozenset[UUID], parties: Iterable[UUID], published: bool
) -> bool:
    """Public once published; before that the parties, operators and auditors."""
    return published or actor.role in SEE_UNPUBLISHED or bool(viewer_orgs & set(parties))


def proposing_party(
    actor: Actor, member_of: frozenset[UUID], parties: frozenset[UUID], field: tuple[str, ...]
) -> UUID:
    """The organisation a user proposes a case study for: theirs among the
    agreement's parties. Those who may not even see the agreement get
    NOT_FOUND; those who see it but may not act (auditors, integrators), FORBIDDEN."""
    if actor.role in ACT_FOR_ORGANISATIONS and member_of & parties:
        return sorted(member_of & parties)[0]
    if actor.role is Role.AUDITOR or actor.integrator_orgs & parties:
        raise ForbiddenError(f"{actor.role.value} users may not propose case studies", field)
    raise NotFoundError("No agreement with this id", field)
