"""Synchronous adapters of the domain's ports (psycopg), used by the
application services that run off the event loop."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg_pool import ConnectionPool

from domain.actors import MemberRole
from infra import pii


class PgMemberships:
    """Reads the membership read model kept by the organisations projection."""

    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self.pool = pool

    def roles_of(self, user_id: str) -> dict[UUID, MemberRole]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT organisation_id, role FROM organisation_members WHERE user_id = %s",
                (user_id,), prepare=True,
            ).fetchall()
        return {row[0]: MemberRole(row[1]) for row in rows}


class PgVault:
    """Keeps one AES key per person in `person_keys`."""

    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self.pool = pool

    def _key_for(self, user_id: str) -> bytes:
        """The person's live key, made on first use (or after being forgotten).
        Reading first spares a commit (a WAL flush) on every command of someone
        who already has a key; a key forgotten between this read and the
        command's commit is the same race as with the upsert alone."""
        with self.pool.connection() as conn:
            found = conn.execute(
                "SELECT key FROM person_keys WHERE user_id = %s AND key IS NOT NULL",
                (user_id,), prepare=True,
            ).fetchone()
            if found is not None:
                return bytes(found[0])
            row = conn.execute(
                "INSERT INTO person_keys (user_id, key) VALUES (%s, %s) "
                "ON CONFLICT (user_id) DO UPDATE SET key = coalesce(person_keys.key, EXCLUDED.key),"
                " forgotten_at = CASE WHEN person_keys.key IS NULL THEN NULL"
                " ELSE person_keys.forgotten_at END RETURNING key",
                (user_id, pii.new_key()), prepare=True,
            ).fetchone()
        assert row is not None
        return bytes(row[0])

    def seal(self, user_id: str, data: dict[str, str]) -> str:
        return pii.seal(user_id, self._key_for(user_id), data)

    def forget(self, user_id: str) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "UPDATE person_keys SET key = NULL, forgotten_at = now() WHERE user_id = %s",
                (user_id,),
            )


class PgIdempotencyRecords:
    """First results of commands retried with an idempotency key."""

    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self.pool = pool

    def find(self, scope: str, key: str) -> tuple[UUID, int] | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT stream_id, position FROM idempotency_keys WHERE scope = %s AND key = %s",
                (scope, key), prepare=True,
            ).fetchone()
        return (row[0], row[1]) if row else None
