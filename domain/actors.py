"""Who acts, and the context every command carries (actor, time, ids)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    """Platform roles, from the bearer token (VISITOR without one)."""

    VISITOR = "VISITOR"
    STARTUP = "STARTUP"
    CORPORATE = "CORPORATE"
    OPERATOR = "OPERATOR"
    AUDITOR = "AUDITOR"
    INTEGRATOR = "INTEGRATOR"


class MemberRole(StrEnum):
    """A person's role inside one organisation."""

    ADMIN = "ADMIN"
    MEMBER = "MEMBER"


@dataclass(frozen=True)
class Actor:
    """The authenticated user behind a request."""

    user_id: str | None
    role: Role
    # Integrators get read-only views of these organisations (token claim `orgs`).
    integrator_orgs: frozenset[UUID] = field(default_factory=frozenset)

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None and self.role is not Role.VISITOR


@dataclass(frozen=True)
class CommandContext:
    """Everything a command needs besides its input: passed in, never global."""

    actor: Actor
    now: datetime
    correlation_id: str
    causation_id: str | None = None
    idempotency_key: str | None = None

    def meta(self, organisation_id: UUID | None = None) -> dict[str, str | None]:
        """The metadata recorded with every event (hashed with it)."""
        return {
            "userId": self.actor.user_id,
            "role": self.actor.role.value,
            "organisationId": str(organisation_id) if organisation_id else None,
            "correlationId": self.correlation_id,
            "causationId": self.causation_id,
        }
