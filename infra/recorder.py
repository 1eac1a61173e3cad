"""eventsourcing's PostgreSQL recorder, writing through `ledger_append` (gapless
positions, hash chains, NOTIFY) with unique claims and idempotency keys in the
same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

from domain.errors import ConflictError, DuplicateClaimError, DuplicateIdempotencyKeyError

APPEND = "SELECT p FROM ledger_append(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[]) AS p"
CLAIM = "INSERT INTO unique_claims (kind, value, stream_id) VALUES (%s, %s, %s)"
REMEMBER = "INSERT INTO idempotency_keys (scope, key, stream_id, position) VALUES (%s, %s, %s, 0)"
SET_POSITION = "UPDATE idempotency_keys SET position = %s WHERE scope = %s AND key = %s"


class LedgerRecorder(PostgresApplicationRecorder):
    """Appends stored events to the hash-chained ledger."""

    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        claims: Sequence[tuple[str, str, UUID]] = (),
        idempotency: tuple[str, str, UUID] | None = None,
        **_: Any,
    ) -> Sequence[int] | None:
        if not stored_events:
            return []
        columns = (
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events],
        )
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            # The key first: a concurrent retry waits on it, then replays our
            # result, instead of tripping over the claims we are about to make.
            if idempotency is not None:
                _remember(curs, idempotency)
            for kind, value, stream_id in claims:
                _claim(curs, kind, value, stream_id)
            positions = _append(curs, columns)
            if idempotency is not None:
                curs.execute(SET_POSITION, (positions[-1], *idempotency[:2]), prepare=True)
        return positions


def _claim(curs: psycopg.Cursor[Any], kind: str, value: str, stream_id: UUID) -> None:
    try:
        with curs.connection.transaction():  # a savepoint, so the error is ours to map
            curs.execute(CLAIM, (kind, value, stream_id), prepare=True)
    except psycopg.errors.UniqueViolation:
        raise DuplicateClaimError(kind, value) from None


def _append(curs: psycopg.Cursor[Any], columns: tuple[list[Any], ...]) -> list[int]:
    try:
        curs.execute(APPEND, columns, prepare=True)
    except psycopg.errors.UniqueViolation:
        raise ConflictError("The stream has moved on: another command was recorded first") from None
    return [row["p"] for row in curs.fetchall()]


def _remember(curs: psycopg.Cursor[Any], idem: tuple[str, str, UUID]) -> None:
    scope, key, stream_id = idem
    try:
        with curs.connection.transaction():
            curs.execute(REMEMBER, (scope, key, stream_id), prepare=True)
    except psycopg.errors.UniqueViolation:
        raise DuplicateIdempotencyKeyError(key) from None
