"""One structured log line and one latency observation per HTTP request."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.observability import REQUESTS

log = logging.getLogger("passerelle.request")

# Label values must not come from the client as they are: every distinct value is
# a time series kept forever (a scan of random paths would grow /metrics unbounded).
ROUTES = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


_CHILDREN: dict[tuple[Any, tuple[str, ...]], Any] = {}


def labelled(metric: Any, *values: str) -> Any:
    """`metric.labels(*values)`, looked up once: prometheus_client validates the
    values and takes a lock on every `labels` call. Callers pass bounded values
    only (routes, methods, statuses, bounded operation names, schema fields,
    outcome codes), as the metric itself requires."""
    key = (metric, values)
    child = _CHILDREN.get(key)
    if child is None:
        child = _CHILDREN[key] = metric.labels(*values)
    return child


class RequestLogMiddleware:
    """Outermost middleware: times every HTTP request and logs its outcome with the
    correlation id, viewer and GraphQL operation name (set by the endpoint)."""

    def __init__(self, app: ASGIApp, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log  # off: the latency metrics only

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not `async def`: returning the next app's awaitable keeps no frame of
        # ours alive for as long as a WebSocket connection lasts (docs/live.md).
        # (As a server's top-level app, uvicorn would take such a class for
        # ASGI 2 unless told `interface="asgi3"`; ours is Starlette.)
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = {"code": 500}

        async def observe(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            self._record(scope, status["code"], time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        path = scope.get("path", "")
        method = scope.get("method", "")
        labelled(REQUESTS, path if path in ROUTES else "other",
                 method if method in METHODS else "OTHER", str(status)).observe(seconds)
        if not self.access_log:
            return
        actor: Any = scope.get("passerelle.actor")
        log.info("request", extra={
            "correlation_id": scope.get("passerelle.correlation_id"),
            "method": method, "path": path, "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "operation": scope.get("passerelle.operation"),
            "viewer": f"{actor.role.value}:{actor.user_id}" if actor else None,
            "outcome": "error" if status >= 500 else "refused" if status >= 400
            else scope.get("passerelle.outcome", "ok"),
        })
