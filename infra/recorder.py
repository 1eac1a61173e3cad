"""eventsourcing's PostgreSQL recorder, writing through `ledger_command` (the
idempotency key, the unique claims, then `ledger_append`: gapless positions,
hash chains, NOTIFY) in one transaction.

One command is ONE round trip and ONE prepared statement: the function runs
the key, the claims, the append and the key's position in one call, which
PostgreSQL runs as one implicit transaction and commits before answering.
`ledger_append` holds the ledger's EXCLUSIVE lock from its first line to that
commit, so the lock is never held across a round trip to this process (nor
across a wait for its GIL): it serialises appends for the time of the SQL and
the commit's WAL flush only, as eventsourcing's own database functions do.
Any failure rolls the whole transaction back, so a refused command takes no
position. The values are bound parameters (binary for the events' states), so
nothing is quoted into the query's text and the server plans it once per
connection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

from domain.errors import ConflictError, DuplicateClaimError, DuplicateIdempotencyKeyError
from infra.pg_arrays import ByteaArray, Int8Array, TextArray, UuidArray

COMMAND = ("SELECT p FROM ledger_command(%s::text, %s::text, %s::uuid, %b::text[], %b::text[],"
           " %b::uuid[], %b::uuid[], %b::bigint[], %b::text[], %b::bytea[]) AS p")
CLAIMED = "SELECT 1 FROM unique_claims WHERE kind = %s AND value = %s"


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
        params = command_params(stored_events, claims, idempotency)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            assert conn.autocommit  # the call is one implicit transaction
            try:
                curs.execute(COMMAND, params, prepare=True)
            except psycopg.errors.UniqueViolation as exc:
                raise _refusal(curs, exc, claims, idempotency) from None
            return [row["p"] if isinstance(row, dict) else row[0] for row in curs.fetchall()]


def command_params(
    stored_events: Sequence[StoredEvent], claims: Sequence[tuple[str, str, UUID]],
    idempotency: tuple[str, str, UUID] | None,
) -> tuple[Any, ...]:
    """`ledger_command`'s arguments: the key (or NULLs), the claims as three
    parallel arrays, the events as four."""
    scope, key, stream = idempotency if idempotency is not None else (None, None, None)
    return (
        scope, key, stream,
        TextArray(kind for kind, _value, _stream in claims),
        TextArray(value for _kind, value, _stream in claims),
        UuidArray(claim_stream for _kind, _value, claim_stream in claims),
        UuidArray(e.originator_id for e in stored_events),
        Int8Array(e.originator_version for e in stored_events),
        TextArray(e.topic for e in stored_events),
        ByteaArray(e.state for e in stored_events),
    )


def _refusal(
    curs: psycopg.Cursor[Any], exc: psycopg.errors.UniqueViolation,
    claims: Sequence[tuple[str, str, UUID]], idempotency: tuple[str, str, UUID] | None,
) -> Exception:
    """The domain error for the unique constraint the transaction tripped over."""
    constraint = exc.diag.constraint_name or ""
    if constraint.startswith("idempotency_keys") and idempotency is not None:
        return DuplicateIdempotencyKeyError(idempotency[1])
    if constraint.startswith("unique_claims") and claims:
        # The conflicting claim is committed (a unique check waits for the other
        # transaction): report the first of ours that is taken, as in order.
        for kind, value, _stream in claims:
            if curs.execute(CLAIMED, (kind, value)).fetchone():
                return DuplicateClaimError(kind, value)
        return DuplicateClaimError(*claims[0][:2])
    if constraint.startswith("ledger_events"):
        return ConflictError("The stream has moved on: another command was recorded first")
    return exc
