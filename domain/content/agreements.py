"""What a case study needs to know about an agreement, read from the deals
slice's Agreement aggregate by stream id without importing it: the deals slice
owns the class, this slice only relies on its `status`, `corporate_id` and
`startup_id` attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import NotFoundError
from domain.ledger import Ledger

AGREEMENT_STREAM = "Agreement"
# A collaboration becomes a story once it has run: in force, or ended (terminated,
# or expired at the end of its duration).
STORY_STATUSES = frozenset({"IN_FORCE", "TERMINATED", "EXPIRED"})
FIELD = ("input", "agreementId")


@dataclass(frozen=True)
class AgreementFacts:
    """An agreement's status and parties."""

    id: UUID
    status: str
    corporate_id: UUID
    startup_id: UUID

    @property
    def parties(self) -> frozenset[UUID]:
        return frozenset({self.corporate_id, self.startup_id})

    @property
    def has_run(self) -> bool:
        return self.status in STORY_STATUSES


def _plain(value: Any) -> str:
    """An enum member or a string, as its string value."""
    return str(getattr(value, "value", value))


def facts_of(aggregate: Any, agreement_id: UUID) -> AgreementFacts:
    """Pure: reads the three attributes by name."""
    return AgreementFacts(
        id=agreement_id,
        status=_plain(getattr(aggregate, "status", "")),
        corporate_id=UUID(_plain(aggregate.corporate_id)),
        startup_id=UUID(_plain(aggregate.startup_id)),
    )


def read_agreement(ledger: Ledger, agreement_id: UUID) -> AgreementFacts:
    """The agreement's facts, or NotFoundError when the stream is not an agreement."""
    missing = NotFoundError(f"No agreement with id {agreement_id}", FIELD)
    try:
        aggregate = ledger.load(Aggregate, agreement_id)
    except NotFoundError:
        raise missing from None
    if type(aggregate).__name__ != AGREEMENT_STREAM:
        raise missing
    return facts_of(aggregate, agreement_id)
