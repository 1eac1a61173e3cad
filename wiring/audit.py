"""The audit slice: erasure, checkpoints, read-side snapshots for time travel,
and the synchronous adapters of its ports."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import orjson
from psycopg_pool import ConnectionPool

from domain.audit.ports import KeyStatus
from domain.audit.service import AuditService
from infra import pii
from infra.eventstore import WriteSide
from projections.base import Evolve
from projections.organisations import evolve_organisation
from projections.queries.timetravel import fold_stream
from projections.snapshots import SnapshotProjection
from schema.audit.mutations import AuditMutation
from wiring import Slice


def snapshotted() -> dict[str, Evolve]:
    """Stream type → the evolve its single-entity query folds with (time travel):
    these streams get a read-side snapshot every 100 versions."""
    from projections.agreements import evolve_agreement
    from projections.calls import evolve_application, evolve_call
    from projections.directory import evolve_solution
    from projections.loans import evolve_loan
    from projections.orders import evolve_order

    return {
        "Startup": evolve_organisation, "Corporate": evolve_organisation,
        "Solution": evolve_solution, "Call": evolve_call, "Application": evolve_application,
        "Agreement": evolve_agreement, "PurchaseOrder": evolve_order, "Loan": evolve_loan,
    }


def sealed_marker(user_id: str) -> bytes:
    """The bytes every token sealed for this person starts with (infra/pii.py)."""
    owner = base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")
    return f"{pii.PREFIX}{owner}:".encode()


class PgPersonalDataIndex:
    """Finds a person's key and sealed entries with psycopg (off the event loop)."""

    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self.pool = pool

    def key_status(self, user_id: str) -> KeyStatus:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT key IS NULL FROM person_keys WHERE user_id = %s",
                               (user_id,)).fetchone()
        if row is None:
            return KeyStatus.UNKNOWN
        return KeyStatus.FORGOTTEN if row[0] else KeyStatus.LIVE

    def sealed_entries(self, user_id: str) -> int:
        """A byte search narrows the scan; decoding each candidate makes it exact
        (a description that merely quotes a token does not count)."""
        with self.pool.connection() as conn:
            candidates = conn.execute(
                "SELECT state FROM ledger_events WHERE position(%s::bytea IN state) > 0",
                (sealed_marker(user_id),),
            )
            return sum(1 for (state,) in candidates
                       if user_id in pii.collect_owners(orjson.loads(state), set()))


class PgLedgerHead:
    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self.pool = pool

    def head(self) -> tuple[int, bytes]:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT notification_id, ledger_hash FROM ledger_events"
                               " ORDER BY notification_id DESC LIMIT 1").fetchone()
        return (row[0], bytes(row[1])) if row else (0, bytes(32))


def audit_service(write: WriteSide) -> AuditService:
    return AuditService(write.ledger, write.vault, PgPersonalDataIndex(write.pool),
                        PgLedgerHead(write.pool), uuid.uuid4)


SLICE = Slice(
    name="audit",
    projections=lambda: [SnapshotProjection(snapshotted(), fold_stream)],
    services=lambda write: {"audit": audit_service(write)},
    mutation_roots=(AuditMutation,),
)
