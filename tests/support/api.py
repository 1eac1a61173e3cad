"""An in-process Passerelle (full lifespan: pools, projector) and a small
GraphQL client with real bearer tokens."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from infra.settings import Settings
from server import create_app
from wiring import Slice

# (sub, role) or (sub, role, orgs)
User = tuple[str, str] | tuple[str, str, list[str]]


@dataclass
class Api:
    """POSTs GraphQL documents as a given user (or as a visitor)."""

    http: httpx.AsyncClient
    token_for: Callable[..., str]

    async def raw(self, query: str, variables: dict[str, Any] | None = None,
                  token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}},
                                    headers=headers)

    async def gql(self, query: str, variables: dict[str, Any] | None = None, *,
                  as_user: User | None = None) -> dict[str, Any]:
        """The response body; `as_user` is (sub, role) or (sub, role, orgs)."""
        token = self.token_for(*as_user) if as_user else None
        response = await self.raw(query, variables, token)
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None, *,
                   as_user: User | None = None) -> dict[str, Any]:
        """`data` of a response that must have no top-level errors."""
        body = await self.gql(query, variables, as_user=as_user)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@contextlib.asynccontextmanager
async def running_api(settings: Settings, token_for: Callable[..., str],
                      slices: list[Slice] | None = None) -> AsyncIterator[Api]:
    """The whole app in-process (every slice unless `slices`), over HTTP."""
    assert settings.database_url
    app = create_app(settings, settings.database_url, slices=slices)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://passerelle") as http:
            yield Api(http, token_for)
