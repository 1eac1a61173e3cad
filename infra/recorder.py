"""eventsourcing's PostgreSQL recorder, writing through `ledger_append` (gapless
positions, hash chains, NOTIFY) with unique claims and idempotency keys in the
same transaction.

One command is ONE round trip: the idempotency key, the claims, the append and
the key's position travel as one multi-statement query (client-side binding,
simple protocol), which PostgreSQL runs as one implicit transaction and commits
before answering. `ledger_append` holds the ledger's EXCLUSIVE lock from its
first line to that commit, so the lock is never held across a round trip to
this process (nor across a wait for its GIL): it serialises appends for the
time of the SQL and the commit's WAL flush only, as eventsourcing's own
database functions do. Any failure rolls the whole transaction back, so a
refused command takes no position."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import ClientCursor

from domain.errors import ConflictError, DuplicateClaimError, DuplicateIdempotencyKeyError

APPEND = "SELECT p FROM ledger_append(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[]) AS p"
CLAIM = "INSERT INTO unique_claims (kind, value, stream_id) VALUES (%s, %s, %s)"
REMEMBER = "INSERT INTO idempotency_keys (scope, key, stream_id, position) VALUES (%s, %s, %s, 0)"
# Under the ledger lock ledger_append took, the head is this command's last position.
SET_POSITION = ("UPDATE idempotency_keys SET position = (SELECT max(notification_id)"
                " FROM ledger_events) WHERE scope = %s AND key = %s")
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
        columns = (
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events],
        )
        statements, params = command_sql(columns, claims, idempotency)
        with self.datastore.get_connection() as conn, ClientCursor(conn) as curs:
            assert conn.autocommit  # one implicit transaction per multi-statement query
            try:
                curs.execute(statements, params)
            except psycopg.errors.UniqueViolation as exc:
                raise _refusal(curs, exc, claims, idempotency) from None
            return _positions(curs)


def command_sql(
    columns: tuple[list[Any], ...], claims: Sequence[tuple[str, str, UUID]],
    idempotency: tuple[str, str, UUID] | None,
) -> tuple[str, list[Any]]:
    """The statements of one command, in the order that makes a concurrent retry
    wait on the key first (then replay our result) instead of tripping over the
    claims we are about to make."""
    statements: list[str] = []
    params: list[Any] = []
    if idempotency is not None:
        statements.append(REMEMBER)
        params.extend(idempotency)
    for claim in claims:
        statements.append(CLAIM)
        params.extend(claim)
    statements.append(APPEND)
    params.extend(columns)
    if idempotency is not None:
        statements.append(SET_POSITION)
        params.extend(idempotency[:2])
    return "; ".join(statements), params


def _positions(curs: psycopg.Cursor[Any]) -> list[int]:
    """The append's result set, among the statements' results."""
    while True:
        if curs.description is not None and curs.description[0].name == "p":
            return [row["p"] if isinstance(row, dict) else row[0] for row in curs.fetchall()]
        if not curs.nextset():  # pragma: no cover - the append always answers
            raise RuntimeError("ledger_append returned no positions")


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
