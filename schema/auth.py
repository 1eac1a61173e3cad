"""Bearer JWT → the actor, before GraphQL runs. A present but invalid token is
refused with 401 UNAUTHENTICATED, never treated as a visitor. Over WebSocket the
token comes in the upgrade request's Authorization header or in the
`connection_init` payload; a bad one closes the connection with 4401 and why.
Every refusal counts against the client's IP rate limit (docs/hardening.md)."""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from collections.abc import Awaitable
from typing import Any
from uuid import UUID

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from domain.actors import Actor, Role
from infra.auth import Claims, InvalidTokenError, decode_token, parse_authorization_header
from infra.settings import Settings
from schema.ratelimit import RateLimiter, too_many, too_many_message


# Actors are immutable: a token's requests share one, instead of parsing its
# organisation ids into a new set on each request. Invalid claims raise (uncached).
@functools.lru_cache(maxsize=4096)
def actor_from_claims(claims: Claims) -> Actor:
    orgs: set[UUID] = set()
    for org in claims.orgs:
        try:
            orgs.add(UUID(org))
        except ValueError:
            raise InvalidTokenError("`orgs` must hold organisation ids") from None
    return Actor(user_id=claims.sub, role=Role(claims.role.upper()), integrator_orgs=frozenset(orgs))


def actor_from_token(token: str | None, settings: Settings) -> Actor:
    """The visitor without a token; raises InvalidTokenError for a bad one."""
    if token is None:
        return Actor(user_id=None, role=Role.VISITOR)
    return actor_from_claims(decode_token(token, settings))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class AuthMiddleware:
    """Sets scope["passerelle.actor"] and a correlation id on every request.
    `limiter`: requests refused for their token count against their IP, on
    every path and over WebSocket too, so that guessing tokens is no way
    around the rate limits."""

    def __init__(self, app: ASGIApp, settings: Settings,
                 limiter: RateLimiter | None = None) -> None:
        self.app = app
        self.settings = settings
        self.limiter = limiter

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not `async def`: no frame of ours kept for a WebSocket's life (docs/live.md).
        if scope["type"] not in ("http", "websocket"):
            return self.app(scope, receive, send)
        scope["passerelle.correlation_id"] = _header(scope, b"x-request-id") or str(uuid.uuid4())
        try:
            token = parse_authorization_header(_header(scope, b"authorization"))
            scope["passerelle.actor"] = actor_from_token(token, self.settings)
        except InvalidTokenError as exc:
            if scope["type"] == "websocket":
                return _refuse_websocket(scope, receive, send, str(exc), self.limiter)
            return self._refuse(scope, send, str(exc))
        return self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, send: Send, message: str) -> None:
        # Whatever the path: a 401 anywhere tells a token is wrong.
        wait = await refusal_wait(self.limiter, scope)
        if wait is not None:
            await too_many(send, wait)
            return
        await _refuse(send, message)


async def refusal_wait(limiter: RateLimiter | None, scope: Scope) -> int | None:
    """Counts a token refusal against the client's IP (whoever the scope's
    actor is): None while the IP is within its limit, else the seconds to wait."""
    return None if limiter is None else await limiter.retry_after(scope, by_ip=True)


async def _refuse(send: Send, message: str) -> None:
    body: dict[str, Any] = {
        "data": None,
        "errors": [{"message": f"Invalid token: {message}",
                    "extensions": {"code": "UNAUTHENTICATED"}}],
    }
    payload = orjson.dumps(body)
    await send({
        "type": "http.response.start", "status": 401,
        "headers": [(b"content-type", b"application/json"),
                    (b"www-authenticate", b'Bearer error="invalid_token"'),
                    (b"content-length", str(len(payload)).encode())],
    })
    await send({"type": "http.response.body", "body": payload})


# graphql-ws clients do not retry after 4401: right for a token that will not improve.
UNAUTHENTICATED_CLOSE = 4401
# Too many connections for the token, or too many requests from the IP.
TOO_MANY_CLOSE = 4429


def _close_reason(message: str) -> str:
    return f"Invalid token: {message}".encode()[:123].decode(errors="ignore")  # RFC 6455 limit


async def token_refusal(limiter: RateLimiter | None, scope: Scope,
                        message: str) -> tuple[int, str]:
    """The close code and reason for a WebSocket refused for its token. The
    refusal counts against the client's IP, as an HTTP 401 does; past the IP's
    limit the answer is 4429 and when to retry, not why the token was refused."""
    wait = await refusal_wait(limiter, scope)
    if wait is not None:
        return TOO_MANY_CLOSE, too_many_message(wait)
    return UNAUTHENTICATED_CLOSE, _close_reason(message)


async def _refuse_websocket(scope: Scope, receive: Receive, send: Send, message: str,
                            limiter: RateLimiter | None) -> None:
    """Accepts, then closes with 4401 (or 4429) and the reason: closing before
    accepting would only show the client an HTTP 403 without saying why."""
    if (await receive())["type"] != "websocket.connect":
        return
    code, reason = await token_refusal(limiter, scope, message)
    offered = scope.get("subprotocols") or []
    chosen = GRAPHQL_TRANSPORT_WS_PROTOCOL if GRAPHQL_TRANSPORT_WS_PROTOCOL in offered else None
    await send({"type": "websocket.accept", "subprotocol": chosen})
    await send({"type": "websocket.close", "code": code, "reason": reason})


def actor_from_init_payload(payload: dict[str, Any], settings: Settings) -> Actor | None:
    """The actor named by `{"Authorization": "Bearer <jwt>"}`; None without one."""
    value = next((v for k, v in payload.items() if k.lower() == "authorization"), None)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidTokenError("Authorization must be a string 'Bearer <token>'")
    return actor_from_token(parse_authorization_header(value), settings)


# Open WebSocket connections per user id on this instance.
OPEN_CONNECTIONS: Counter[str] = Counter()


class TokenInitHandler(BaseGraphQLTransportWSHandler[Any, None]):
    """graphql-transport-ws, authenticated by the `connection_init` payload when
    it carries a token (it then replaces the upgrade request's viewer)."""

    _counted: str | None = None  # the user whose connection this one counts

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload")
        if not self.connection_init_received and isinstance(payload, dict):
            try:
                actor = actor_from_init_payload(payload, self.view.services.settings)  # type: ignore[attr-defined]
            except InvalidTokenError as exc:
                if self.connection_init_timeout_task:
                    self.connection_init_timeout_task.cancel()
                limiter = self.view.limiter  # type: ignore[attr-defined]
                await self.websocket.close(
                    *await token_refusal(limiter, self.context.request.scope, str(exc)))
                return
            if actor is not None:
                self.context.actor = actor
        if not self.connection_init_received and not self._admit(self.context.actor):
            if self.connection_init_timeout_task:
                self.connection_init_timeout_task.cancel()
            await self.websocket.close(TOO_MANY_CLOSE, "Too many connections for this token")
            return
        await super().handle_connection_init(message)

    def _admit(self, actor: Actor) -> bool:
        """At most N open connections per signed-in user on this instance."""
        if not actor.user_id:
            return True
        limit = self.view.services.settings.max_connections_per_token  # type: ignore[attr-defined]
        if OPEN_CONNECTIONS[actor.user_id] >= limit:
            return False
        OPEN_CONNECTIONS[actor.user_id] += 1
        self._counted = actor.user_id
        return True

    async def shutdown(self) -> None:
        counted = self._counted
        if counted is not None:
            self._counted = None
            OPEN_CONNECTIONS[counted] -= 1
            if OPEN_CONNECTIONS[counted] <= 0:
                del OPEN_CONNECTIONS[counted]
        await super().shutdown()
