"""Per-token and per-IP request rate limits, shared by every instance through
PostgreSQL (a fixed window per bucket in an UNLOGGED table), answered with 429
and Retry-After."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable
from typing import Any

import asyncpg
import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

HIT = """
INSERT INTO rate_limits AS r (bucket, window_start, hits) VALUES ($1, $2, 1)
ON CONFLICT (bucket) DO UPDATE SET
    hits = CASE WHEN r.window_start = EXCLUDED.window_start THEN r.hits + 1 ELSE 1 END,
    window_start = EXCLUDED.window_start
RETURNING hits"""
log = logging.getLogger("passerelle.ratelimit")
WINDOW_SECONDS = 60  # each bucket's fixed window
# Buckets of past windows: without this the table keeps one row per client ever seen.
PRUNE = "DELETE FROM rate_limits WHERE window_start < $1"


class RateLimiter:
    """Counts requests per bucket and window; `pool` is set once the runtime runs."""

    def __init__(self, per_token: int, per_ip: int, window_seconds: int = WINDOW_SECONDS,
                 prune_every: int = 1000) -> None:
        self.per_token = per_token
        self.per_ip = per_ip
        self.window = window_seconds
        self.prune_every = prune_every
        self.counted = 0
        self.pool: asyncpg.Pool | None = None

    def bucket(self, scope: Scope, by_ip: bool = False) -> tuple[str, int]:
        actor: Any = scope.get("passerelle.actor")
        if not by_ip and actor is not None and actor.user_id:
            return f"user:{actor.user_id}", self.per_token
        client = scope.get("client") or ("unknown", 0)
        return f"ip:{client[0]}", self.per_ip

    async def retry_after(self, scope: Scope, by_ip: bool = False) -> int | None:
        """None when the request may go on, else the seconds to wait. `by_ip`
        counts against the client's IP whoever the scope's actor is (a token
        refused after the upgrade request's was accepted)."""
        bucket, limit = self.bucket(scope, by_ip)
        if limit <= 0 or self.pool is None:
            return None
        now = time.time()
        start = math.floor(now / self.window) * self.window
        try:
            hits = await self.pool.fetchval(HIT, bucket, _ts(start), timeout=2)
            self.counted += 1
            if self.counted % self.prune_every == 0:
                await self.pool.execute(PRUNE, _ts(start), timeout=2)
        except (OSError, TimeoutError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError,
                asyncpg.exceptions.OperatorInterventionError) as exc:
            # Fail open: the request itself will answer 503 if the database is gone,
            # and a counting outage must not turn into a refusal of every client.
            log.warning("rate limit not counted: %r", exc)
            return None
        if hits <= limit:
            return None
        return max(1, math.ceil(start + self.window - now))


def _ts(epoch: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC)


class RateLimitMiddleware:
    """Runs after authentication (it needs the actor), on /graphql HTTP requests."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not `async def`: no frame of ours kept for a WebSocket's life (docs/live.md).
        # GraphQL over HTTP, not probes, metrics or WebSockets.
        if scope["type"] == "http" and scope.get("path") == "/graphql":
            return self._limited(scope, receive, send)
        return self.app(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        wait = await self.limiter.retry_after(scope)
        if wait is not None:
            await too_many(send, wait)
            return
        await self.app(scope, receive, send)


def too_many_message(wait: int) -> str:
    return f"Too many requests: retry in {wait} s"


async def too_many(send: Send, wait: int) -> None:
    body = orjson.dumps({"errors": [{
        "message": too_many_message(wait),
        "extensions": {"code": "RATE_LIMITED", "retryAfter": wait}}]})
    await send({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", b"application/json"), (b"retry-after", str(wait).encode()),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
