"""Loading what a command refers to, with the right error and field path."""

from __future__ import annotations

from uuid import UUID

from domain.actors import Actor
from domain.deals.access import may_see
from domain.deals.agreements import Agreement
from domain.errors import NotFoundError
from domain.ledger import Ledger
from domain.organisations.aggregates import Organisation


def require_exists(
    ledger: Ledger, kind: type[Organisation], org_id: UUID, field: tuple[str, ...]
) -> None:
    """NOT_FOUND, naming the input field, for an organisation that is not there."""
    try:
        ledger.load(kind, org_id)
    except NotFoundError as exc:
        raise NotFoundError(exc.message, field) from None


def visible_agreement(
    ledger: Ledger, actor: Actor, organisations: frozenset[UUID], agreement_id: UUID,
    field: tuple[str, ...],
) -> Agreement:
    """The agreement a command builds on; NOT_FOUND unless the actor is a party."""
    try:
        agreement = ledger.load(Agreement, agreement_id)
    except NotFoundError:
        agreement = None
    if agreement is None or not may_see(actor, organisations, agreement.parties,
                                        operators=False):
        raise NotFoundError("No such agreement", field)
    return agreement
