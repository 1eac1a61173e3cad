"""The content slice (issue 7): open content, events and the key figures."""

from __future__ import annotations

from typing import Any

from domain.content.aggregates import Event
from domain.content.service import ContentService
from infra.eventstore import WriteSide
from projections.content import ContentProjection
from projections.stats import StatsProjection
from schema.content.mutations import ContentMutation
from schema.content.queries import ContentQuery, case_study_node, event_node, resource_node
from schema.content.stats import StatsQuery
from wiring import Slice


def _services(write: WriteSide) -> dict[str, Any]:
    return {"content": ContentService(write.ledger, write.memberships)}


def _demo(services: dict[str, Any], earlier: dict[str, Any]) -> Any:
    from demo import content

    return content.load(services, earlier)


SLICE = Slice(
    name="content",
    projections=lambda: [ContentProjection(), StatsProjection()],
    services=_services,
    # Events collect one registration per organisation: long streams.
    snapshotted=(Event,),
    query_roots=(ContentQuery, StatsQuery),
    mutation_roots=(ContentMutation,),
    node_resolvers={"Resource": resource_node, "CaseStudy": case_study_node,
                    "Event": event_node},
    demo=_demo,
)
