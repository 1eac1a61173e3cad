"""Connections of the write side (psycopg) that end when PostgreSQL's host
stops answering, instead of holding a command's thread.

A command's request is refused after `PASSERELLE_DB_TIMEOUT_SECONDS`
(schema/errors.py), but its thread stays in psycopg until the connection
answers or fails. Over a network partition, or once the database's host has
vanished (a failover to another address), the kernel never says so on its
own: it retransmits what it sent for about 15 minutes, and waits for an
answer forever. libpq's keepalive probes and `tcp_user_timeout` end such a
connection within about the same timeout, so the thread gets an error, the
pool drops the connection and opens a new one. A host that is alive answers
probes from its kernel, however long a statement runs: nothing healthy is cut.
Unix-socket connections ignore these options (libpq)."""

from __future__ import annotations

import math
from typing import Any

from eventsourcing.postgres import PostgresFactory

# eventsourcing's environment key for the timeout the ledger's connections get.
LIVENESS_ENV = "TCP_LIVENESS_SECONDS"
PROBES = 3


def tcp_liveness(timeout_seconds: float) -> dict[str, int]:
    """libpq options that end a silent connection after about `timeout_seconds`:
    unacknowledged data for that long (`tcp_user_timeout`), or an idle wait
    whose first probe, after a quarter of it, and PROBES more go unanswered."""
    probe = max(1, math.ceil(timeout_seconds / (PROBES + 1)))
    return {"keepalives": 1, "keepalives_idle": probe, "keepalives_interval": probe,
            "keepalives_count": PROBES, "tcp_user_timeout": max(1, round(timeout_seconds * 1000))}


class LedgerFactory(PostgresFactory):
    """eventsourcing's PostgreSQL factory, its connections given `tcp_liveness`
    (from the environment's TCP_LIVENESS_SECONDS; none without it). The
    datastore opens its pool on first use, after this has set the options."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        seconds = float(self.env.get(LIVENESS_ENV) or 0)
        kwargs = self.datastore.pool.kwargs
        if seconds > 0 and isinstance(kwargs, dict):  # eventsourcing's is a dict
            kwargs.update(tcp_liveness(seconds))
