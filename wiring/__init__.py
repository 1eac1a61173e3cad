"""Each feature slice declares what it brings (projections, application
services, GraphQL roots, node resolvers, demo data); server.py composes them.
Nothing here runs at import time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra.duty import Duty
from infra.eventstore import WriteSide
from infra.settings import Settings
from projections.base import Projection


@dataclass(frozen=True)
class Slice:
    """What one feature area contributes to the running system."""

    name: str
    # Fresh projection instances (one per projector).
    projections: Callable[[], list[Projection]] = list
    # Application services by name, built from the write side.
    services: Callable[[WriteSide], dict[str, Any]] = lambda _write: {}
    # Aggregate classes whose streams get snapshots.
    snapshotted: tuple[type, ...] = ()
    query_roots: tuple[type, ...] = ()
    mutation_roots: tuple[type, ...] = ()
    subscription_roots: tuple[type, ...] = ()
    # Stream type → async (info, stream_id) -> Node | None, for `node(id:)`.
    node_resolvers: dict[str, Callable[..., Any]] = field(default_factory=dict)
    # Records demo data through the services; gets all services (plus
    # services["settle"](), which brings every read model up to date) and what
    # earlier slices' demos returned (by slice name); returns what later ones use.
    demo: Callable[[dict[str, Any], dict[str, Any]], Any] | None = None
    # Periodic duties, each run by one process at a time (infra/duty.py), built
    # once the runtime runs from the services, the read pool and the settings.
    duties: Callable[[dict[str, Any], Any, Settings], list[Duty]] = \
        lambda _services, _pool, _settings: []
