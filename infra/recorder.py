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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

from domain.errors import ConflictError, DuplicateClaimError, DuplicateIdempotencyKeyError
from infra import key_checks
from infra.group_commit import GroupCommit
from infra.pg_arrays import ByteaArray, Int8Array, TextArray, UuidArray

COMMAND = ("SELECT p FROM ledger_command(%s::text, %s::text, %s::uuid, %b::text[], %b::text[],"
           " %b::uuid[], %b::uuid[], %b::bigint[], %b::text[], %b::bytea[], %b::text[],"
           " %b::bytea[]) AS p")
CLAIMED = "SELECT 1 FROM unique_claims WHERE kind = %s AND value = %s"


BATCH = ("SELECT command, pos FROM ledger_commands(%s::int, %b::bigint[], %b::text[], %b::text[],"
         " %b::uuid[], %b::bigint[], %b::text[], %b::text[], %b::uuid[], %b::bigint[], %b::uuid[],"
         " %b::bigint[], %b::text[], %b::bytea[], %b::text[], %b::bytea[])")
STALE_KEY = "PK001"  # ledger_check_keys: a key the command sealed with is no longer live


@dataclass(frozen=True)
class Command:
    """One command's rows: its events, unique claims and idempotency key, and
    the persons' keys it sealed with (sha256 digests by user id)."""

    events: Sequence[StoredEvent]
    claims: Sequence[tuple[str, str, UUID]] = ()
    idempotency: tuple[str, str, UUID] | None = None
    keys: Mapping[str, bytes] = field(default_factory=dict)


class LedgerRecorder(PostgresApplicationRecorder):
    """Appends stored events to the hash-chained ledger. Commands recorded
    from concurrent threads share transactions (group commit, `infra/group_commit.py`)
    unless `group_commit` is off."""

    group_commit = True  # set by open_write_side from PASSERELLE_GROUP_COMMIT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._group: GroupCommit[Command, list[int] | None] = GroupCommit(self._record_batch)

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
        command = Command(stored_events, claims, idempotency, key_checks.take())
        if not self.group_commit:
            return self._record_alone(command)
        positions = self._group.submit(command)
        # Refused within a batch: alone, it is refused (or recorded) as it always was.
        return positions if positions is not None else self._record_alone(command)

    def _record_alone(self, command: Command) -> list[int]:
        """One command, one transaction: its refusal becomes the domain's error."""
        params = command_params(command)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            assert conn.autocommit  # the call is one implicit transaction
            try:
                curs.execute(COMMAND, params, prepare=True)
            except psycopg.errors.UniqueViolation as exc:
                raise _refusal(curs, exc, command.claims, command.idempotency) from None
            except psycopg.Error as exc:
                if exc.sqlstate == STALE_KEY:
                    raise key_checks.StaleKeyError(str(exc)) from None
                raise
            return [row["p"] if isinstance(row, dict) else row[0] for row in curs.fetchall()]

    def _record_batch(self, commands: Sequence[Command]) -> list[list[int] | BaseException | None]:
        """Each command's positions, or None for one the batch refused."""
        if len(commands) == 1:  # nothing to share: the plain path
            try:
                return [self._record_alone(commands[0])]
            except Exception as exc:
                return [exc]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            assert conn.autocommit
            curs.execute(BATCH, batch_params(commands), prepare=True)
            rows = curs.fetchall()
        positions: list[list[int] | None] = [None] * len(commands)
        for row in rows:
            number, position = (row["command"], row["pos"]) if isinstance(row, dict) else row
            found = positions[number - 1]
            if found is None:
                positions[number - 1] = found = []
            found.append(position)
        return list(positions)


def batch_params(commands: Sequence[Command]) -> tuple[Any, ...]:
    """`ledger_commands`' arguments: keys, claims and events of every command
    as flat arrays, each row with the 1-based number of its command."""
    keys = [(n, key) for n, c in enumerate(commands, 1) if (key := c.idempotency) is not None]
    claims = [(n, claim) for n, c in enumerate(commands, 1) for claim in c.claims]
    events = [(n, e) for n, c in enumerate(commands, 1) for e in c.events]
    checks = sorted({pair for c in commands for pair in c.keys.items()})
    return (
        len(commands),
        Int8Array(n for n, _key in keys), TextArray(key[0] for _n, key in keys),
        TextArray(key[1] for _n, key in keys), UuidArray(key[2] for _n, key in keys),
        Int8Array(n for n, _claim in claims), TextArray(claim[0] for _n, claim in claims),
        TextArray(claim[1] for _n, claim in claims), UuidArray(claim[2] for _n, claim in claims),
        Int8Array(n for n, _e in events), UuidArray(e.originator_id for _n, e in events),
        Int8Array(e.originator_version for _n, e in events),
        TextArray(e.topic for _n, e in events), ByteaArray(e.state for _n, e in events),
        TextArray(user for user, _digest in checks), ByteaArray(digest for _user, digest in checks),
    )


def command_params(command: Command) -> tuple[Any, ...]:
    """`ledger_command`'s arguments: the key (or NULLs), the claims as three
    parallel arrays, the events as four, the persons' keys as two."""
    stored_events, claims, idempotency = command.events, command.claims, command.idempotency
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
        TextArray(command.keys), ByteaArray(command.keys.values()),
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
