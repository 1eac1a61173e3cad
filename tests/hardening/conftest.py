"""Fixtures of the hardening tests: the whole app in-process with settings
changed per test (limits, modes), several instances on one database, and a
small GraphQL-over-HTTP client that lets the test choose every header."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette

from infra.settings import Settings
from schema.http import LEGACY_TYPE, NEW_TYPE, GraphQLHttp
from server import create_app
from tests.organisations.builders import siren

__all__ = ["LEGACY_TYPE", "NEW_TYPE", "Client", "Serve"]

REGISTER_STARTUP = """
mutation($i: RegisterStartupInput!) {
  registerStartup(input: $i) { startup { id name city } userErrors { code message } }
}"""
UPDATE_STARTUP = """
mutation($i: UpdateStartupProfileInput!) {
  updateStartupProfile(input: $i) { startup { id city } userErrors { code message } }
}"""
STARTUP_CITY = "query($id: ID!) { startup(id: $id) { id city } }"


@dataclass
class Client:
    """One running app and an HTTP client on it (`ip` is the client address)."""

    app: Starlette
    http: httpx.AsyncClient
    token_for: Callable[..., str]

    @property
    def endpoint(self) -> GraphQLHttp:
        """The /graphql endpoint object (its cache, persisted queries...)."""
        route = next(r for r in self.app.routes if getattr(r, "path", None) == "/graphql"
                     and hasattr(r, "methods"))
        endpoint: GraphQLHttp = route.endpoint.__self__  # type: ignore[attr-defined]
        return endpoint

    async def post(self, body: Any, *, accept: str | None = LEGACY_TYPE,
                   token: str | None = None, headers: dict[str, str] | None = None,
                   ) -> httpx.Response:
        """POSTs `body` as JSON (bytes are sent as they are)."""
        sent = {"content-type": "application/json", **(headers or {})}
        if accept is not None:
            sent["accept"] = accept
        if token:
            sent["authorization"] = f"Bearer {token}"
        content = body if isinstance(body, bytes) else orjson.dumps(body)
        return await self.http.post("/graphql", content=content, headers=sent)

    async def query(self, document: str, variables: dict[str, Any] | None = None, *,
                    as_user: tuple[str, str] | None = None, accept: str | None = LEGACY_TYPE,
                    headers: dict[str, str] | None = None) -> httpx.Response:
        token = self.token_for(*as_user) if as_user else None
        return await self.post({"query": document, "variables": variables or {}},
                               accept=accept, token=token, headers=headers)

    async def data(self, document: str, variables: dict[str, Any] | None = None, *,
                   as_user: tuple[str, str] | None = None) -> dict[str, Any]:
        response = await self.query(document, variables, as_user=as_user)
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def register_startup(self, user: str, n: int) -> str:
        """A startup registered by `user` (its ADMIN); returns its id."""
        data = await self.data(REGISTER_STARTUP, {"i": {
            "name": f"Startup {n}", "siren": siren(n), "description": "Hardening tests",
            "contactName": f"Founder {n}", "contactEmail": f"f{n}@example.fr"}},
            as_user=(user, "startup"))
        assert data["registerStartup"]["userErrors"] == [], data
        return str(data["registerStartup"]["startup"]["id"])

    async def set_city(self, user: str, startup_id: str, city: str) -> None:
        data = await self.data(UPDATE_STARTUP, {"i": {"id": startup_id, "city": city}},
                               as_user=(user, "startup"))
        assert data["updateStartupProfile"]["userErrors"] == [], data

    async def city(self, startup_id: str) -> str | None:
        data = await self.data(STARTUP_CITY, {"id": startup_id})
        city: str | None = data["startup"]["city"]
        return city


Serve = Callable[..., contextlib.AbstractAsyncContextManager[Client]]


@pytest.fixture
def serve(settings: Settings, make_token: Callable[..., str]) -> Serve:
    """``async with serve(max_batch=2, ip="10.0.0.1") as client``: the app with these
    settings changed, its lifespan running (pools, projector unless
    ``run_projector=False``), spoken to over in-process HTTP."""

    @contextlib.asynccontextmanager
    async def running(*, run_projector: bool = True, ip: str = "203.0.113.7",
                      **changes: Any) -> AsyncIterator[Client]:
        changed = settings.model_copy(update=changes)
        assert changed.database_url
        app = create_app(changed, changed.database_url, run_projector=run_projector)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=(ip, 40000))
            async with httpx.AsyncClient(transport=transport,
                                         base_url="http://passerelle") as http:
                yield Client(app, http, make_token)

    return running
