"""The typed request context and the services it reaches."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
from strawberry.dataloader import DataLoader

from domain.actors import Actor, CommandContext
from domain.policy import viewer_organisations
from infra import key_checks
from infra.settings import Settings
from projections.engine import ProjectionWatch
from projections.queries import organisations as org_q

T = TypeVar("T")


@dataclass
class Services:
    """Everything resolvers delegate to, wired once by server.py."""

    settings: Settings
    pool: asyncpg.Pool
    watch: ProjectionWatch
    commands: dict[str, Any]  # application services by area: "organisations", ...
    node_resolvers: dict[str, Callable[..., Any]] = field(default_factory=dict)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Application services are synchronous (eventsourcing): run them off the
        loop, on threads of their own. asyncio.to_thread's default executor has
        min(32, cpus + 4) threads, 6 on two cores: commands mostly wait on
        PostgreSQL, so 16 clients would queue behind 6 threads."""
        loop = asyncio.get_running_loop()
        # In a context of its own, as to_thread; run once more if a person's key
        # it sealed with was forgotten meanwhile (infra/key_checks.py).
        call = functools.partial(contextvars.copy_context().run, key_checks.run_checked, fn, *args)
        return await loop.run_in_executor(_command_threads(), call)


_EXECUTOR: list[ThreadPoolExecutor] = []
COMMAND_THREADS = 32


def _command_threads() -> ThreadPoolExecutor:
    if not _EXECUTOR:
        _EXECUTOR.append(ThreadPoolExecutor(COMMAND_THREADS, thread_name_prefix="command"))
    return _EXECUTOR[0]


class Loaders:
    """Per-request DataLoaders: one query per kind of thing per request, shared
    with the other requests asking in the same loop iteration (schema/
    shared_batches.py). Each is made on first use (most requests need one
    kind, or none: a cached answer)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    def create(cls, pool: asyncpg.Pool) -> Loaders:
        return cls(pool)

    @functools.cached_property
    def organisation(self) -> DataLoader[UUID, asyncpg.Record | None]:
        from schema.reading import batch_loader

        return batch_loader(org_q.organisations_by_id)(self._pool)

    @functools.cached_property
    def members(self) -> DataLoader[UUID, list[asyncpg.Record]]:
        from schema.reading import batch_loader

        return batch_loader(org_q.members_by_organisation, [])(self._pool)

    @functools.cached_property
    def person_key(self) -> DataLoader[str, bytes | None]:
        from schema.reading import batch_loader

        return batch_loader(org_q.person_keys)(self._pool)


@dataclass
class Context:
    """Per request: who asks, with which correlation id, and the loaders."""

    services: Services
    actor: Actor
    correlation_id: str
    loaders: Loaders
    request: Any = None
    response: Any = None
    extra_loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)
    _viewer_orgs: frozenset[UUID] | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        return self.services.pool

    async def member_of(self) -> frozenset[UUID]:
        """Organisations the viewer belongs to, from the ledger's read model."""
        if self.actor.user_id is None:
            return frozenset()
        async with self.pool.acquire() as conn:
            return frozenset(await org_q.organisations_of_user(conn, self.actor.user_id))

    async def viewer_orgs(self) -> frozenset[UUID]:
        """Organisations whose confidential views the viewer gets (cached per request)."""
        if self._viewer_orgs is None:
            self._viewer_orgs = viewer_organisations(self.actor, await self.member_of())
        return self._viewer_orgs

    def command_context(self, idempotency_key: str | None = None) -> CommandContext:
        return CommandContext(
            actor=self.actor, now=datetime.now(UTC), correlation_id=self.correlation_id,
            idempotency_key=idempotency_key,
        )

    def loader(self, name: str, make: Callable[[asyncpg.Pool], DataLoader[Any, Any]]) -> DataLoader[Any, Any]:
        """A per-request loader added by a later slice, created on first use."""
        if name not in self.extra_loaders:
            self.extra_loaders[name] = make(self.pool)
        return self.extra_loaders[name]


def context_for(services: Services, request: Any, response: Any = None) -> Context:
    """The context of one HTTP request or WebSocket connection; the auth
    middleware has put the actor and correlation id in the ASGI scope."""
    from domain.actors import Role

    scope = request.scope
    return Context(
        services=services,
        actor=scope.get("passerelle.actor") or Actor(None, Role.VISITOR),
        correlation_id=scope.get("passerelle.correlation_id") or str(uuid.uuid4()),
        loaders=Loaders.create(services.pool), request=request, response=response,
    )
