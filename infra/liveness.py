"""Connections of the write side (psycopg) that end when PostgreSQL's host
stops answering, instead of holding a command's thread.

A command's request is refused after `PASSERELLE_DB_TIMEOUT_SECONDS`
(schema/errors.py), but its thread stays in psycopg until the connection
answers or fails. Over a network partition, or once the database's host has
vanished (a failover to another address), the kernel never says so on its
own: it retransmits what it sent for about 15 minutes, and waits for an
answer forever. libpq's keepalive probes and `tcp_user_timeout` end such a
connection about that timeout (at least USER_TIMEOUT_FLOOR_SECONDS) after the
host last answered, rounded up to the next probe: the thread gets an error,
the pool drops the connection and opens a new one. A host that is alive
answers probes from its kernel, however long a statement runs: nothing
healthy is cut. Unix-socket connections ignore these options (libpq)."""

from __future__ import annotations

import math

from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment, EnvType

# eventsourcing's environment key for the timeout the ledger's connections get.
LIVENESS_ENV = "TCP_LIVENESS_SECONDS"
PROBES = 3
# Lost packets are retransmitted after 0.2, 0.4, 0.8, 1.6 s...: a connection
# that merely dropped a few must not be cut, whatever the setting.
USER_TIMEOUT_FLOOR_SECONDS = 5.0
_MAX_PROBE_SECONDS = 32_767  # the kernel's limit for TCP_KEEPIDLE and TCP_KEEPINTVL
_MAX_USER_TIMEOUT_MS = 2**31 - 1


def tcp_liveness(timeout_seconds: float) -> dict[str, int]:
    """libpq options that end a silent connection after about `timeout_seconds`:
    data unacknowledged for that long (`tcp_user_timeout`, which Linux also
    applies to the probes), probes every quarter of it. None for 0 or less."""
    if timeout_seconds <= 0:
        return {}
    probe = min(_MAX_PROBE_SECONDS, max(1, math.ceil(timeout_seconds / (PROBES + 1))))
    user_timeout = max(timeout_seconds, USER_TIMEOUT_FLOOR_SECONDS) * 1000
    return {"keepalives": 1, "keepalives_idle": probe, "keepalives_interval": probe,
            "keepalives_count": PROBES,
            "tcp_user_timeout": min(_MAX_USER_TIMEOUT_MS, round(user_timeout))}


class LedgerFactory(PostgresFactory):
    """eventsourcing's PostgreSQL factory, its connections given `tcp_liveness`
    (from the environment's TCP_LIVENESS_SECONDS; none without it). The
    datastore opens its pool on first use, after this has set the options."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        options = tcp_liveness(float(self.env.get(LIVENESS_ENV) or 0))
        kwargs = self.datastore.pool.kwargs
        if not isinstance(kwargs, dict):  # eventsourcing passes a dict
            raise TypeError(f"unexpected connection arguments: {kwargs!r}")
        kwargs.update(options)
