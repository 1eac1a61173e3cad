"""Domain errors. Each carries the public error code of the API contract and,
where one input field is at fault, that field's path."""

from __future__ import annotations


class DomainError(Exception):
    """A command was refused; nothing was written."""

    code = "RULE_VIOLATION"

    def __init__(self, message: str, field: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidError(DomainError):
    """The input fails validation (e.g. a bad SIREN)."""

    code = "INVALID"


class NotFoundError(DomainError):
    """No such entity, or one the actor may not even see."""

    code = "NOT_FOUND"


class ForbiddenError(DomainError):
    """The actor sees the entity but may not do this."""

    code = "FORBIDDEN"


class ConflictError(DomainError):
    """The stream moved on since the version the client read."""

    code = "CONFLICT"


class RuleViolationError(DomainError):
    """The entity's state forbids the command."""

    code = "RULE_VIOLATION"


class UnauthenticatedError(DomainError):
    """The command needs a signed-in user."""

    code = "UNAUTHENTICATED"


class DuplicateClaimError(DomainError):
    """A value that must be unique (e.g. a SIREN) is already claimed."""

    code = "RULE_VIOLATION"

    def __init__(self, kind: str, value: str) -> None:
        super().__init__(f"{kind} {value} is already registered", ())
        self.kind = kind
        self.value = value


class DuplicateIdempotencyKeyError(Exception):
    """Raised by the store when a concurrent retry already recorded this key."""
