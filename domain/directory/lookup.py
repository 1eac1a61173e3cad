"""Loading a stream for a command, naming the input field when it is missing."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import NotFoundError
from domain.ledger import Ledger

A = TypeVar("A", bound=Aggregate)


def load_as(ledger: Ledger, cls: type[A], stream_id: UUID, field: tuple[str, ...]) -> A:
    """`Ledger.load`, with the input field at fault named in the NOT_FOUND."""
    try:
        return ledger.load(cls, stream_id)
    except NotFoundError as error:
        raise NotFoundError(error.message, field) from None
