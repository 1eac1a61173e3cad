"""Builds the ledger application and its synchronous adapters from a database URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from domain.ledger import Ledger
from infra.liveness import LIVENESS_ENV, tcp_liveness
from infra.settings import DB_TIMEOUT_SECONDS, KEY_TTL_SECONDS
from infra.sync_ports import PgIdempotencyRecords, PgMemberships, PgVault

# Streams longer than this are read from a snapshot plus the events after it.
SNAPSHOT_INTERVAL = 100


def ledger_env(database_url: str, pool_size: int = 10,
               timeout_seconds: float = DB_TIMEOUT_SECONDS) -> dict[str, str]:
    """eventsourcing's settings for our PostgreSQL recorder (tables come from migrations)."""
    info = conninfo_to_dict(database_url)
    return {
        "PERSISTENCE_MODULE": "infra.liveness:LedgerFactory",
        LIVENESS_ENV: str(timeout_seconds),
        "APPLICATION_RECORDER_TOPIC": "infra.recorder:LedgerRecorder",
        "CREATE_TABLE": "false",
        "IS_SNAPSHOTTING_ENABLED": "true",
        "POSTGRES_DBNAME": str(info.get("dbname", "postgres")),
        "POSTGRES_HOST": str(info.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(info.get("port", "5432")),
        "POSTGRES_USER": str(info.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(info.get("password", "")),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_LOCK_TIMEOUT": "5",
    }


@dataclass
class WriteSide:
    """The ledger application plus the pool its ports read through."""

    ledger: Ledger
    pool: ConnectionPool[Any]
    memberships: PgMemberships
    vault: PgVault

    def close(self) -> None:
        self.ledger.close()
        self.pool.close()


def open_write_side(database_url: str, pool_size: int = 10, group_commit: bool = True,
                    key_ttl_seconds: float = KEY_TTL_SECONDS,
                    timeout_seconds: float = DB_TIMEOUT_SECONDS) -> WriteSide:
    """`timeout_seconds`: how long a connection may stay silent before it is
    ended (infra/liveness.py), PASSERELLE_DB_TIMEOUT_SECONDS in the server."""
    pool: ConnectionPool[Any] = ConnectionPool(
        database_url, min_size=1, max_size=pool_size, open=True,
        kwargs={"autocommit": True, **tcp_liveness(timeout_seconds)}, timeout=10,
    )
    ledger = Ledger(ledger_env(database_url, pool_size, timeout_seconds),
                    PgIdempotencyRecords(pool))
    ledger.recorder.group_commit = group_commit  # type: ignore[attr-defined]
    # Per application, set per aggregate class by the composition root.
    ledger.snapshotting_intervals = {}  # type: ignore[misc]
    return WriteSide(ledger, pool, PgMemberships(pool), PgVault(pool, ttl_seconds=key_ttl_seconds))
