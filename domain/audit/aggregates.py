"""Erasure and Checkpoint: facts the audit slice records in the ledger.

Each erasure and each checkpoint is its own short stream (one event), so two
operators never contend for one stream and replay never re-runs a rule."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

Meta = dict[str, Any]


class Erasure(Aggregate):
    """A person's personal data was erased by destroying their key."""

    @event("PersonForgotten")
    def __init__(
        self, id: UUID, user_id: str, reason: str, erased_entries: int, meta: Meta
    ) -> None:
        self.user_id = user_id
        self.reason = reason
        self.erased_entries = erased_entries


class Checkpoint(Aggregate):
    """The ledger head (position and ledgerHash) as it stood when recorded."""

    @event("CheckpointRecorded")
    def __init__(self, id: UUID, position: int, ledger_hash: str, meta: Meta) -> None:
        self.position = position
        self.ledger_hash = ledger_hash
