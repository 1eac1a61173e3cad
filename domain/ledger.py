"""The ledger application: eventsourcing's Application, with commands that
carry idempotency keys and unique claims into the same transaction as their
events, and storage errors translated into domain errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate

from domain.actors import CommandContext
from domain.errors import ConflictError, DuplicateIdempotencyKeyError, NotFoundError
from domain.ports import IdempotencyRecords

A = TypeVar("A", bound=Aggregate)

# Commands without expectedVersion retry this often when a concurrent command
# on the same stream won the race: both then apply, in order.
CONFLICT_RETRIES = 5


@dataclass(frozen=True)
class Recorded:
    """Where a command's result lives: its stream and its last ledger position."""

    stream_id: UUID
    position: int
    replayed: bool = False


class Ledger(Application[UUID]):
    """Stores every aggregate of Passerelle in one hash-chained ledger."""

    name = "Ledger"  # tables ledger_events and ledger_snapshots

    def __init__(self, env: Mapping[str, str], idempotency: IdempotencyRecords) -> None:
        super().__init__(env)
        self.idempotency = idempotency

    def load(self, cls: type[A], stream_id: UUID, version: int | None = None) -> A:
        """The aggregate, or NotFoundError when absent or of another type."""
        try:
            aggregate: Aggregate = self.repository.get(stream_id, version=version)
        except AggregateNotFoundError:
            raise NotFoundError(f"No {cls.__name__.lower()} with id {stream_id}") from None
        if not isinstance(aggregate, cls):
            raise NotFoundError(f"No {cls.__name__.lower()} with id {stream_id}")
        return aggregate

    def exists(self, stream_id: UUID) -> bool:
        return bool(self.recorder.select_events(stream_id, limit=1))

    def record(
        self,
        aggregate: Aggregate,
        ctx: CommandContext,
        *,
        scope: str = "",
        claims: tuple[tuple[str, str], ...] = (),
    ) -> Recorded:
        """Appends the aggregate's pending events; returns the last position."""
        idempotency = None
        if ctx.idempotency_key and ctx.actor.user_id:
            idempotency = (self.scope_of(ctx, scope), ctx.idempotency_key, aggregate.id)
        recordings = self.save(
            aggregate,
            claims=[(kind, value, aggregate.id) for kind, value in claims],
            idempotency=idempotency,
        )
        return Recorded(aggregate.id, recordings[-1].notification.id)

    @staticmethod
    def scope_of(ctx: CommandContext, scope: str) -> str:
        return f"{ctx.actor.user_id}:{scope}"

    def create_once(
        self, ctx: CommandContext, scope: str, create: Callable[[], Recorded]
    ) -> Recorded:
        """Runs a creating command at most once per (user, scope, idempotency key)."""
        key = ctx.idempotency_key
        if not key or not ctx.actor.user_id:
            return create()
        prior = self.idempotency.find(self.scope_of(ctx, scope), key)
        if prior is not None:
            return Recorded(prior[0], prior[1], replayed=True)
        try:
            return create()
        except DuplicateIdempotencyKeyError:
            # A concurrent retry committed first: answer with its result.
            prior = self.idempotency.find(self.scope_of(ctx, scope), key)
            if prior is None:  # pragma: no cover - the key was just seen
                raise
            return Recorded(prior[0], prior[1], replayed=True)

    def change(
        self,
        cls: type[A],
        stream_id: UUID,
        expected_version: int | None,
        command: Callable[[A], Any],
        ctx: CommandContext,
    ) -> Recorded:
        """Load, check expectedVersion, run the command, save; retried on a lost
        race only when the client did not pin a version."""
        attempts = 1 if expected_version is not None else CONFLICT_RETRIES
        for attempt in range(attempts):
            aggregate = self.load(cls, stream_id)
            if expected_version is not None and aggregate.version != expected_version:
                raise ConflictError(
                    f"Expected version {expected_version}, the stream is at {aggregate.version}",
                    ("input", "expectedVersion"),
                )
            command(aggregate)
            try:
                return self.record(aggregate, ctx)
            except ConflictError:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover
