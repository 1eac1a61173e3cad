"""Bearer JWT → the actor, before GraphQL runs. A present but invalid token is
refused with 401 UNAUTHENTICATED, never treated as a visitor."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.actors import Actor, Role
from infra.auth import Claims, InvalidTokenError, decode_token, parse_authorization_header
from infra.settings import Settings


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
    """Sets scope["passerelle.actor"] and a correlation id on every request."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scope["passerelle.correlation_id"] = _header(scope, b"x-request-id") or str(uuid.uuid4())
        try:
            token = parse_authorization_header(_header(scope, b"authorization"))
            scope["passerelle.actor"] = actor_from_token(token, self.settings)
        except InvalidTokenError as exc:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 4401, "reason": "Unauthenticated"})
                return
            await _refuse(send, str(exc))
            return
        await self.app(scope, receive, send)


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
