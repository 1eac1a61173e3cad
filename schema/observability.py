"""One structured log line and one latency observation per HTTP request."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.observability import REQUESTS

log = logging.getLogger("passerelle.request")


class RequestLogMiddleware:
    """Outermost middleware: times every HTTP request and logs its outcome with the
    correlation id, viewer and GraphQL operation name (set by the endpoint)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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

    @staticmethod
    def _record(scope: Scope, status: int, seconds: float) -> None:
        route = scope.get("path", "")
        REQUESTS.labels(route, scope.get("method", ""), str(status)).observe(seconds)
        actor: Any = scope.get("passerelle.actor")
        log.info("request", extra={
            "correlation_id": scope.get("passerelle.correlation_id"),
            "method": scope.get("method"), "path": route, "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "operation": scope.get("passerelle.operation"),
            "viewer": f"{actor.role.value}:{actor.user_id}" if actor else None,
            "outcome": "ok" if status < 400 else "refused" if status < 500 else "error",
        })
