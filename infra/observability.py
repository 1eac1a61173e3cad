"""Metrics (Prometheus) and structured JSON logs."""

from __future__ import annotations

import logging
import sys
import time
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
PROJECTION_POSITION = Gauge(
    "passerelle_projection_position", "Last ledger position applied, by projection",
    ["projection"], registry=REGISTRY,
)
LEDGER_HEAD = Gauge("passerelle_ledger_head", "Last ledger position", registry=REGISTRY)
PROJECTION_LAG = Gauge(
    "passerelle_projection_lag", "Ledger entries not yet projected (slowest projection)",
    registry=REGISTRY,
)
SUBSCRIBERS = Gauge("passerelle_subscribers", "Live ledger subscribers on this instance",
                    registry=REGISTRY)
POOL_SIZE = Gauge("passerelle_pool_connections", "Read pool connections by state",
                  ["state"], registry=REGISTRY)


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
