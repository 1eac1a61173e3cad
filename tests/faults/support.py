"""Real `server.py serve` processes for the fault tests, a GraphQL client that
reports what happened to each request (answer, error, duration), a minimal
graphql-transport-ws subscriber, and the comparison of read models with a
rebuild from zero."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import websockets

from infra.auth import issue_token
from infra.settings import Settings
from tests.conftest import TEST_JWT_SECRET

TOKENS = Settings(jwt_secret=TEST_JWT_SECRET)
REGISTER = """mutation($i: RegisterStartupInput!) {
  registerStartup(input: $i) { startup { id } userErrors { code message } } }"""


def token(sub: str, role: str) -> str:
    return issue_token(TOKENS, sub=sub, role=role)


AUDITOR = token("fault-auditor", "auditor")


@dataclass
class Outcome:
    """What one request got: the body (None when no answer came) and how long it took."""

    status: int | None
    body: Any
    error: str | None
    seconds: float


async def post(http: httpx.AsyncClient, url: str, query: str,
               variables: dict[str, Any] | None = None, bearer: str | None = None) -> Outcome:
    headers = {"authorization": f"Bearer {bearer}"} if bearer else {}
    started = time.monotonic()
    try:
        response = await http.post(url, json={"query": query, "variables": variables or {}},
                                   headers=headers)
    except httpx.HTTPError as exc:
        return Outcome(None, None, repr(exc), time.monotonic() - started)
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return Outcome(response.status_code, body, None, time.monotonic() - started)


def registration(n: int, siren: str) -> tuple[dict[str, Any], str]:
    """Variables of the n-th registration (own user, own SIREN, own idempotency key)."""
    return {"i": {"name": f"Startup {n}", "siren": siren, "description": "Fault tests",
                  "contactName": f"Founder {n}", "contactEmail": f"f{n}@example.fr",
                  "idempotencyKey": f"fault-{n}"}}, token(f"founder-{n}", "startup")


def registered_id(outcome: Outcome) -> str | None:
    """The startup id of a registration that answered success, else None."""
    if outcome.status != 200 or not isinstance(outcome.body, dict):
        return None
    if outcome.body.get("errors"):
        return None
    payload = (outcome.body.get("data") or {}).get("registerStartup") or {}
    if payload.get("userErrors") or not payload.get("startup"):
        return None
    return str(payload["startup"]["id"])


async def verify_ledger(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=60) as http:
        outcome = await post(http, url, "{ verify { valid checkedEntries message } }",
                             bearer=AUDITOR)
    assert outcome.status == 200 and not outcome.body.get("errors"), outcome
    verdict: dict[str, Any] = outcome.body["data"]["verify"]
    return verdict


async def wait_projected(database_url: str, timeout: float = 30.0) -> int:
    """Waits until every projection has reached the ledger head; returns the head."""
    conn = await asyncpg.connect(database_url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            head = await conn.fetchval(
                "SELECT coalesce(max(notification_id), 0) FROM ledger_events")
            low = await conn.fetchval("SELECT min(position) FROM projection_tracking")
            if low is not None and low >= head:
                return int(head)
            assert time.monotonic() < deadline, f"projections stuck at {low} of {head}"
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


@dataclass
class Subscriber:
    """Follows `subscription { ledger(after:) }` over graphql-transport-ws, and
    reconnects from the last position seen when the connection is lost."""

    ws_url: str
    bearer: str
    positions: list[int] = field(default_factory=list)
    reconnects: int = 0
    errors: list[str] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._follow(stop)
            except (TimeoutError, OSError, websockets.WebSocketException) as exc:
                self.errors.append(repr(exc)[:200])
            if not stop.is_set():
                self.reconnects += 1
                await asyncio.sleep(0.3)

    async def _follow(self, stop: asyncio.Event) -> None:
        after = self.positions[-1] if self.positions else 0
        async with websockets.connect(self.ws_url, subprotocols=[
                websockets.Subprotocol("graphql-transport-ws")], open_timeout=5) as ws:
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {self.bearer}"}}))
            ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert ack["type"] == "connection_ack", ack
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
                "query": "subscription($a: Int) { ledger(after: $a) { position } }",
                "variables": {"a": after}}}))
            while not stop.is_set():
                try:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                except TimeoutError:
                    continue
                if message["type"] == "next":
                    if message["payload"].get("errors"):
                        self.errors.append(str(message["payload"]["errors"])[:200])
                        return
                    self.positions.append(message["payload"]["data"]["ledger"]["position"])
                elif message["type"] in ("error", "complete"):
                    self.errors.append(str(message)[:200])
                    return
