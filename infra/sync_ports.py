"""Synchronous adapters of the domain's ports (psycopg), used by the
application services that run off the event loop."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from cachetools import TTLCache
from psycopg_pool import ConnectionPool

from domain.actors import MemberRole
from infra import key_checks, pii
from infra.settings import KEY_TTL_SECONDS

KEY_CACHE_SIZE = 10_000  # persons whose keys stay in memory, most recent first


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


class _NoMemory:
    """The vault's key memory when PASSERELLE_KEY_TTL_SECONDS is 0: keeps nothing."""

    def get(self, _user_id: str) -> None:
        return None

    def __setitem__(self, _user_id: str, _key: bytes) -> None:
        pass

    def pop(self, _user_id: str, _default: None = None) -> None:
        return None


class PgVault:
    """Keeps one AES key per person in `person_keys`, and in memory: a key read
    once serves the next commands without a query. Every command names the
    keys it sealed with and its commit checks they are still live
    (infra/key_checks.py), so a key forgotten on another instance is never
    used: the command is refused and runs again with the key read afresh.
    Keys leave memory after KEY_TTL_SECONDS, so that the bytes of a forgotten
    key do not outlive the forget anywhere for long."""

    def __init__(self, pool: ConnectionPool[Any], cache_size: int = KEY_CACHE_SIZE,
                 ttl_seconds: float = KEY_TTL_SECONDS) -> None:
        self.pool = pool
        self._keys: TTLCache[str, bytes] | _NoMemory = (
            TTLCache(cache_size, ttl_seconds) if ttl_seconds > 0 else _NoMemory())
        self._lock = threading.Lock()  # TTLCache is not thread-safe

    def _key_for(self, user_id: str) -> bytes:
        key = self._cached(user_id) if key_checks.keys_in_memory_allowed() else None
        if key is None:
            key = self._read_or_make(user_id)
            with self._lock:
                self._keys[user_id] = key
        key_checks.note(user_id, key)
        return key

    def _cached(self, user_id: str) -> bytes | None:
        with self._lock:
            return self._keys.get(user_id)

    def _read_or_make(self, user_id: str) -> bytes:
        """The person's live key, made on first use (or after being forgotten).
        Reading first spares a commit (a WAL flush) for someone who already
        has a key."""
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
        with self._lock:
            self._keys.pop(user_id, None)


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
