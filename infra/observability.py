"""Metrics (Prometheus) and structured JSON logs."""

from __future__ import annotations

import logging
import sys
import time
from contextvars import ContextVar
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Histogram(
    "passerelle_http_request_seconds", "HTTP requests by route, method and status",
    ["route", "method", "status"], registry=REGISTRY,
)
OPERATIONS = Histogram(
    "passerelle_graphql_operation_seconds", "GraphQL operations by name and type",
    ["operation", "type"], registry=REGISTRY,
)
COMMANDS = Counter(
    "passerelle_commands_total", "Commands by mutation and outcome code (OK or a userError code)",
    ["mutation", "outcome"], registry=REGISTRY,
)
# With several workers (infra/shared_metrics.py) a gauge says how the workers'
# values combine. These three are read from the database by the worker that
# answers the scrape, just before it answers: its reading is the one to give.
PROJECTION_POSITION = Gauge(
    "passerelle_projection_position", "Last ledger position applied, by projection",
    ["projection"], registry=REGISTRY, multiprocess_mode="livemostrecent",
)
LEDGER_HEAD = Gauge("passerelle_ledger_head", "Last ledger position", registry=REGISTRY,
                    multiprocess_mode="livemostrecent")
PROJECTION_LAG = Gauge(
    "passerelle_projection_lag", "Ledger entries not yet projected (slowest projection)",
    registry=REGISTRY, multiprocess_mode="livemostrecent",
)
LIVE_MESSAGES = Counter(
    "passerelle_live_messages", "Live ledger messages, by the path they were handed to: direct "
    "(pre-framed, written to the socket without waking the subscriber's task), "
    "wire (pre-framed, written to the socket by the subscriber's task), asgi (pre-encoded, "
    "through the ASGI send), executed (GraphQL)",
    ["path"], registry=REGISTRY)
SUBSCRIBERS = Gauge("passerelle_subscribers", "Live ledger subscribers on this instance",
                    registry=REGISTRY, multiprocess_mode="livesum")
# Each worker has its own pool, counted when it answers a scrape: given per
# worker (a `pid` label) rather than summing readings of different moments.
POOL_SIZE = Gauge("passerelle_pool_connections", "Read pool connections by state",
                  ["state"], registry=REGISTRY, multiprocess_mode="liveall")


# The correlation id of the request being served, added to every log line written
# while serving it (strawberry's own error log with the traceback included).
CORRELATION_ID: ContextVar[str | None] = ContextVar("passerelle_correlation_id", default=None)

OTHER = "other"


class BoundedLabels:
    """Label values a client chooses (operation names) admitted up to `limit`
    distinct ones, the rest counted as "other": every new label value is a new
    time series kept for the life of the process."""

    def __init__(self, limit: int = 200) -> None:
        self.limit = limit
        self.seen: set[str] = set()

    def __call__(self, value: str) -> str:
        if value in self.seen:
            return value
        if len(self.seen) >= self.limit:
            return OTHER
        self.seen.add(value)
        return value


OPERATION_NAMES = BoundedLabels()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any extras."""

    RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)))

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items()
                      if k not in self.RESERVED and not k.startswith("_")})
        if entry.get("correlation_id") is None and (correlation := CORRELATION_ID.get()):
            entry["correlation_id"] = correlation
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str, json_logs: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_logs else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
