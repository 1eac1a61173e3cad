"""Loading what a command refers to, with the right error and field path.
Absent and invisible answer the same NOT_FOUND, so confidential deals do not
reveal that they exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.actors import Actor
from domain.deals.access import may_see, organisations_of
from domain.deals.agreements import Agreement
from domain.errors import NotFoundError
from domain.ledger import Ledger
from domain.organisations.aggregates import Organisation
from domain.policy import require_signed_in
from domain.ports import Memberships

A = TypeVar("A", bound=Aggregate)


def require_exists(
    ledger: Ledger, kind: type[Organisation], org_id: UUID, field: tuple[str, ...]
) -> None:
    """NOT_FOUND, naming the input field, for an organisation that is not there."""
    try:
        ledger.load(kind, org_id)
    except NotFoundError as exc:
        raise NotFoundError(exc.message, field) from None


def _load_or_none(ledger: Ledger, cls: type[A], stream_id: UUID) -> A | None:
    try:
        return ledger.load(cls, stream_id)
    except NotFoundError:
        return None


def load_seen(
    ledger: Ledger, memberships: Memberships, actor: Actor, cls: type[A], stream_id: UUID,
    parties: Callable[[A], frozenset[UUID]], what: str,
) -> tuple[A, frozenset[UUID]]:
    """The entity and the actor's organisations; NOT_FOUND unless the actor
    may see it (operators see every order and loan, and agreements without terms)."""
    require_signed_in(actor)
    entity = _load_or_none(ledger, cls, stream_id)
    organisations = organisations_of(actor, memberships)
    if entity is None or not may_see(actor, organisations, parties(entity), operators=True):
        raise NotFoundError(f"No {what} with id {stream_id}")
    return entity, organisations


def visible_agreement(
    ledger: Ledger, actor: Actor, organisations: frozenset[UUID], agreement_id: UUID,
    field: tuple[str, ...],
) -> Agreement:
    """The agreement an order or loan builds on; NOT_FOUND unless the actor
    belongs to one of its parties."""
    agreement = _load_or_none(ledger, Agreement, agreement_id)
    if agreement is None or not may_see(actor, organisations, agreement.parties,
                                        operators=False):
        raise NotFoundError(f"No agreement with id {agreement_id}", field)
    return agreement
