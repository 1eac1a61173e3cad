"""The directory and calls slice (issue 3): solutions, calls for projects, applications."""

from __future__ import annotations

from typing import Any

from domain.calls.aggregates import Call
from domain.calls.application import Application
from domain.calls.applying import ApplicationService
from domain.calls.service import CallService
from domain.directory.aggregates import Solution
from domain.directory.service import DirectoryService
from infra.eventstore import WriteSide
from projections.calls import CallsProjection
from projections.directory import DirectoryProjection
from projections.queries.calls import PgCallApplications
from schema.calls.mutations import ApplicationMutation, CallMutation
from schema.calls.queries import CallQuery, application_node, call_node
from schema.directory.mutations import DirectoryMutation
from schema.directory.queries import DirectoryQuery, solution_node
from wiring import Slice


def _services(write: WriteSide) -> dict[str, Any]:
    calls = CallService(write.ledger, write.memberships, PgCallApplications(write.pool))
    return {
        "directory": DirectoryService(write.ledger, write.memberships),
        "calls": calls,
        "applications": ApplicationService(write.ledger, write.memberships, calls),
    }


def _demo(services: dict[str, Any], earlier: dict[str, Any]) -> Any:
    from demo import calls

    return calls.load(services, earlier["organisations"])


SLICE = Slice(
    name="calls",
    projections=lambda: [DirectoryProjection(), CallsProjection()],
    services=_services,
    snapshotted=(Solution, Call, Application),
    query_roots=(DirectoryQuery, CallQuery),
    mutation_roots=(DirectoryMutation, CallMutation, ApplicationMutation),
    node_resolvers={"Solution": solution_node, "Call": call_node,
                    "Application": application_node},
    demo=_demo,
)
