"""The organisations slice (issue 2)."""

from __future__ import annotations

from typing import Any

from domain.organisations.aggregates import Corporate, Startup
from domain.organisations.service import OrganisationService
from infra.eventstore import WriteSide
from projections.access import AccessProjection
from projections.organisations import OrganisationsProjection
from schema.ledger import LedgerQuery
from schema.node import NodeQuery, organisation_node
from schema.organisations.mutations import OrganisationMutation
from schema.organisations.queries import OrganisationQuery
from wiring import Slice


def _services(write: WriteSide) -> dict[str, Any]:
    return {"organisations": OrganisationService(write.ledger, write.memberships, write.vault)}


def _demo(services: dict[str, Any], _earlier: dict[str, Any]) -> Any:
    from demo import organisations

    return organisations.load(services["organisations"])


SLICE = Slice(
    name="organisations",
    projections=lambda: [AccessProjection(), OrganisationsProjection()],
    services=_services,
    snapshotted=(Startup, Corporate),
    query_roots=(NodeQuery, OrganisationQuery, LedgerQuery),
    mutation_roots=(OrganisationMutation,),
    node_resolvers={"Startup": organisation_node, "Corporate": organisation_node},
    demo=_demo,
)
