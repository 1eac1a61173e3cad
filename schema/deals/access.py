"""Who sees which deal, on the read side: the same rules as the commands
(domain/deals/access.py), with the viewer's organisations from the context."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from strawberry.types import Info

from domain.actors import Role
from domain.deals.access import may_see
from projections.queries.agreements import Visibility


async def can_see(info: Info[Any, Any], parties: frozenset[UUID], *, operators: bool = True) -> bool:
    """Auditors, operators (when allowed) and members of a party."""
    context = info.context
    return may_see(context.actor, await context.viewer_orgs(), parties, operators=operators)


async def can_read_terms(info: Info[Any, Any], parties: frozenset[UUID]) -> bool:
    """Terms: the two parties and auditors; never operators."""
    return await can_see(info, parties, operators=False)


async def visibility(info: Info[Any, Any]) -> Visibility:
    """What a listing may show this viewer (operators and auditors: everything)."""
    actor = info.context.actor
    if actor.role in (Role.AUDITOR, Role.OPERATOR):
        return Visibility(everything=True)
    return Visibility(party_of=await info.context.viewer_orgs())


def both_parties(row: Any) -> frozenset[UUID]:
    return frozenset({row["corporate_id"], row["startup_id"]})


def loan_parties(row: Any) -> frozenset[UUID]:
    """Only the borrower: the corporate of the agreement does not see loans."""
    return frozenset({row["startup_id"]})
