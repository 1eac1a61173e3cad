"""Error mapping: expected failures as data (`userErrors`), the rest as
top-level errors with a code."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import psycopg
import strawberry
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from graphql import GraphQLError
from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel
from strawberry.types import Info

from domain.actors import CommandContext
from domain.errors import DomainError, UnauthenticatedError
from domain.ledger import Recorded
from infra.observability import COMMANDS
from projections.pagination import PaginationError
from schema.observability import labelled

log = logging.getLogger("passerelle.api")
# The write side lost its database: a clear, retryable refusal, not a masked error.
UNAVAILABLE = (StoreOperationalError, StoreInterfaceError, psycopg.OperationalError, TimeoutError)
M = TypeVar("M", bound=BaseModel)


@strawberry.type(description="A business-rule or validation failure of a mutation.")
class UserError:
    code: str = strawberry.field(description="INVALID, NOT_FOUND, CONFLICT, FORBIDDEN, RULE_VIOLATION")
    field: list[str] = strawberry.field(
        description='Path of the input field at fault, e.g. ["input", "siren"]; empty when the whole command is refused.'
    )
    message: str


class PublicError(GraphQLError):
    """A top-level error whose message is meant for the client (never masked)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def unauthenticated(message: str = "Sign in to do this") -> PublicError:
    return PublicError(message, "UNAUTHENTICATED")


def forbidden(message: str) -> PublicError:
    return PublicError(message, "FORBIDDEN")


def bad_request(error: PaginationError) -> PublicError:
    return PublicError(str(error), "BAD_USER_INPUT")


@functools.cache
def _camel_fields(cls: type) -> tuple[tuple[str, str], ...]:
    """(attribute, camelCase key) of an input class: computed once per class,
    not per request (`to_camel` is a regular expression substitution)."""
    return tuple((f.name, to_camel(f.name)) for f in dataclasses.fields(cls))


# Values returned as they are, tested by exact type first: most fields are these.
_LEAVES = frozenset({str, int, float, bool, Decimal, datetime, date})


def _plain(value: Any) -> Any:
    """Strawberry inputs → JSON-like values with camelCase keys, unset fields dropped."""
    if type(value) in _LEAVES:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        plain = {}
        for name, key in _camel_fields(type(value)):
            item = getattr(value, name)
            if item is not strawberry.UNSET and item is not None:
                plain[key] = _plain(item)
        return plain
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


def validation_errors(error: ValidationError, root: tuple[str, ...]) -> list[UserError]:
    return [
        UserError(code="INVALID", field=[*root, *(str(p) for p in e["loc"])],
                  message=e["msg"].removeprefix("Value error, "))
        for e in error.errors()
    ]


def parse(model: type[M], raw: Any, root: tuple[str, ...] = ("input",)) -> M:
    """Validates an input into a command; raises InputInvalid with every error."""
    try:
        return model.model_validate(_plain(raw) if not isinstance(raw, dict) else raw)
    except ValidationError as error:
        raise InputInvalidError(validation_errors(error, root)) from None


class InputInvalidError(Exception):
    def __init__(self, errors: list[UserError]) -> None:
        super().__init__("invalid input")
        self.errors = errors


def unavailable_advice(command: BaseModel) -> str:
    """How to retry a command the database did not confirm: it may have been
    recorded all the same, so only a retry that cannot apply twice is advised."""
    prefix = "The database is unavailable; the command may have been recorded: "
    if getattr(command, "idempotency_key", None):
        return prefix + "retry shortly with the same idempotencyKey"
    if getattr(command, "expected_version", None) is not None:
        return prefix + "retry shortly with the same expectedVersion (CONFLICT: it was)"
    return prefix + "read the current state before retrying"


async def execute(
    info: Info[Any, Any], parse_input: Callable[[], M],
    service_call: Callable[[M, CommandContext], Recorded],
) -> tuple[Recorded | None, list[UserError]]:
    """Validate, run the application service off the loop, wait for the
    projections (read your writes). Returns the result or the userErrors."""
    context = info.context
    mutation = info.field_name
    try:
        command = parse_input()
    except InputInvalidError as invalid:
        COMMANDS.labels(mutation, "INVALID").inc()
        return None, invalid.errors
    command_context = context.command_context(getattr(command, "idempotency_key", None))
    settings = context.services.settings
    try:
        # Bounded: a frozen or partitioned database would otherwise hold the request
        # (and its client) forever. The command's thread may still commit once the
        # database answers: the refusal says how to retry safely.
        async with asyncio.timeout(settings.db_timeout_seconds):
            recorded = await context.services.run(service_call, command, command_context)
    except UnauthenticatedError as exc:
        COMMANDS.labels(mutation, "UNAUTHENTICATED").inc()
        raise unauthenticated(exc.message) from None
    except DomainError as exc:
        COMMANDS.labels(mutation, exc.code).inc()
        return None, [UserError(code=exc.code, field=list(exc.field), message=exc.message)]
    except UNAVAILABLE as exc:
        COMMANDS.labels(mutation, "SERVICE_UNAVAILABLE").inc()
        log.warning("%s not completed, database unavailable: %r", mutation, exc)
        raise PublicError(unavailable_advice(command), "SERVICE_UNAVAILABLE") from None
    labelled(COMMANDS, mutation, "OK").inc()
    if not await context.services.watch.wait_for(
        recorded.position, settings.projection_wait_seconds
    ):
        log.warning("projections lag behind position %s", recorded.position)
    return recorded, []
