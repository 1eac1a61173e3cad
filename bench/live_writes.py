"""The live bench's side of GraphQL over HTTP: a startup to write on, the
subscribers' tokens, and one committed entry per label change."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlsplit

import httpx

REGISTER = """mutation($i: RegisterStartupInput!) {
  registerStartup(input: $i) { startup { id } userErrors { message } } }"""
LABEL = """mutation($id: ID!) { %s(input: {startupId: $id, label: DEEPTECH}) {
  userErrors { message } } }"""


def endpoint(url: str) -> str:
    return url if url.rstrip("/").endswith("/graphql") else url.rstrip("/") + "/graphql"


def ws_target(url: str) -> dict[str, Any]:
    """Host, port and path of the server's WebSocket endpoint."""
    parts = urlsplit(endpoint(url))
    return {"host": parts.hostname, "port": parts.port, "path": parts.path}


def siren() -> str:
    """A random SIREN with a valid Luhn digit (a fresh startup on every run)."""
    body = [random.randrange(10) for _ in range(8)]
    total = sum(d if i % 2 else (2 * d - 9 if d > 4 else 2 * d)
                for i, d in enumerate(reversed(body)))
    return "".join(map(str, body)) + str((10 - total % 10) % 10)


class Api:
    """GraphQL over HTTP with a bearer token per call."""

    def __init__(self, http: httpx.AsyncClient, url: str) -> None:
        self.http, self.url = http, endpoint(url)

    async def data(self, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        response = await self.http.post(self.url, json={"query": query, "variables": variables},
                                        headers={"Authorization": f"Bearer {token}"})
        body: dict[str, Any] = response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return dict(body["data"])

    async def head(self, ctx: Any) -> int:
        """The ledger's last position (positions are gapless; an auditor sees all)."""
        data = await self.data("{ ledger(first: 1) { totalCount } }", {},
                               ctx.token("bench-live-auditor", "auditor"))
        return int(data["ledger"]["totalCount"])


async def setup(api: Api, ctx: Any) -> tuple[str, int]:
    """A fresh startup to write on, and the ledger head before the bench."""
    founder = ctx.token(f"bench-live-{random.randrange(10**9)}", "startup")
    for _ in range(5):  # a random SIREN may be taken (or land on a reserved one)
        data = (await api.data(REGISTER, {"i": {
            "name": "Live bench", "siren": siren(), "description": "Subscription latency",
            "contactName": "Bench Founder", "contactEmail": "bench@example.fr"}},
            founder))["registerStartup"]
        if data["startup"] is not None:
            return data["startup"]["id"], await api.head(ctx)
    raise RuntimeError(f"registerStartup failed: {data['userErrors']}")


def token_for(ctx: Any, user: str, i: int, startup: str) -> str:
    """Half auditors (see everything), half integrators (see the bench startup):
    two visibilities, so the fan-out judges every entry per viewer."""
    if i % 2:
        return str(ctx.token(f"bench-live-aud-{user}", "auditor"))
    try:
        return str(ctx.token(f"bench-live-int-{user}", "integrator", orgs=[startup]))
    except TypeError:  # a runner whose token() takes no orgs
        return str(ctx.token(f"bench-live-aud-{user}", "auditor"))


async def label(api: Api, token: str, startup: str, i: int) -> None:
    """Grants the label on even steps, revokes it on odd ones: each commits one entry."""
    mutation = "revokeLabel" if i % 2 else "grantLabel"
    data = await api.data(LABEL % mutation, {"id": startup}, token)
    if data[mutation]["userErrors"]:
        raise RuntimeError(data[mutation]["userErrors"])
