"""Bench: delivery latency of Subscription.ledger, from commit to subscriber,
with 200 subscribers on graphql-transport-ws while mutations commit steadily.

Run by the bench runner (`make bench`), which imports every bench/b_*.py and
calls `run(ctx)` with `ctx.url` (a running server) and `ctx.token(sub, role)`.
Latency is the subscriber's clock when the message is parsed minus the entry's
`occurredAt` (set inside the appending transaction, just before its commit):
the server must run on this machine, which is how the runner starts it."""

from __future__ import annotations

import asyncio
import json
import random
import time
from datetime import datetime
from typing import Any

import httpx
import websockets

SUBSCRIBERS = 200
WRITES = 100
WRITES_PER_SECOND = 25.0
WRITERS = 4  # operator tokens the writes rotate over (per-token rate limits)
SUBSCRIPTION = """subscription($after: Int) {
  ledger(after: $after) { position occurredAt type streamId } }"""
REGISTER = """mutation($i: RegisterStartupInput!) {
  registerStartup(input: $i) { startup { id } userErrors { message } } }"""
LABEL = """mutation($id: ID!) { %s(input: {startupId: $id, label: DEEPTECH}) {
  userErrors { message } } }"""


def _endpoint(url: str) -> str:
    return url if url.rstrip("/").endswith("/graphql") else url.rstrip("/") + "/graphql"


def _ws(url: str) -> str:
    return "ws" + _endpoint(url).removeprefix("http")


def _siren() -> str:
    """A random SIREN with a valid Luhn digit (a fresh startup on every run)."""
    body = [random.randrange(10) for _ in range(8)]
    total = sum(d if i % 2 else (2 * d - 9 if d > 4 else 2 * d)
                for i, d in enumerate(reversed(body)))
    return "".join(map(str, body)) + str((10 - total % 10) % 10)


class Api:
    """GraphQL over HTTP with a bearer token per call."""

    def __init__(self, http: httpx.AsyncClient, url: str) -> None:
        self.http, self.url = http, _endpoint(url)

    async def data(self, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        response = await self.http.post(self.url, json={"query": query, "variables": variables},
                                        headers={"Authorization": f"Bearer {token}"})
        body: dict[str, Any] = response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return dict(body["data"])


class Subscriber:
    """One WebSocket, one subscription; records each entry's delivery latency."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.latencies: dict[int, float] = {}
        self.arrived = asyncio.Event()  # set on every entry: waiters re-check

    async def follow(self, after: int, ready: asyncio.Event) -> None:
        async with websockets.connect(self.url, subprotocols=[websockets.Subprotocol(
                "graphql-transport-ws")], max_queue=None) as ws:
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {self.token}"}}))
            await ws.recv()  # connection_ack
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
                "query": SUBSCRIPTION, "variables": {"after": after}}}))
            ready.set()
            async for raw in ws:
                self._record(json.loads(raw), time.time())

    def _record(self, message: dict[str, Any], now: float) -> None:
        entry = message["payload"]["data"]["ledger"]
        committed = datetime.fromisoformat(entry["occurredAt"]).timestamp()
        self.latencies[entry["position"]] = now - committed
        self.arrived.set()

    async def wait_for(self, position: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while max(self.latencies, default=0) < position:
            self.arrived.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self.arrived.wait(), remaining)
            except TimeoutError:
                return False
        return True


async def _setup(api: Api, ctx: Any) -> tuple[str, int]:
    """A fresh startup to write on, and the ledger head before the bench."""
    founder = ctx.token(f"bench-live-{random.randrange(10**9)}", "startup")
    data = await api.data(REGISTER, {"i": {
        "name": "Live bench", "siren": _siren(), "description": "Subscription latency",
        "contactName": "Bench Founder", "contactEmail": "bench@example.fr"}}, founder)
    startup = data["registerStartup"]["startup"]["id"]
    head = await api.data("{ ledger(first: 1) { totalCount } }", {},
                       ctx.token("bench-live-auditor", "auditor"))
    return startup, int(head["ledger"]["totalCount"])


def _token_for(ctx: Any, i: int, startup: str) -> str:
    """Half auditors (see everything), half integrators (see the bench startup)."""
    if i % 2:
        return str(ctx.token(f"bench-live-aud-{i}", "auditor"))
    try:
        return str(ctx.token(f"bench-live-int-{i}", "integrator", orgs=[startup]))
    except TypeError:  # a runner whose token() takes no orgs
        return str(ctx.token(f"bench-live-aud-{i}", "auditor"))


async def _label(api: Api, token: str, startup: str, i: int) -> None:
    """Grants the label on even steps, revokes it on odd ones: each commits one entry."""
    mutation = "revokeLabel" if i % 2 else "grantLabel"
    data = await api.data(LABEL % mutation, {"id": startup}, token)
    if data[mutation]["userErrors"]:
        raise RuntimeError(data[mutation]["userErrors"])


async def _head(api: Api, ctx: Any) -> int:
    data = await api.data("{ ledger(first: 1) { totalCount } }", {},
                       ctx.token("bench-live-auditor", "auditor"))
    return int(data["ledger"]["totalCount"])  # positions are gapless


async def _write(api: Api, ctx: Any, startup: str) -> None:
    """WRITES entries at a steady rate (after the warm-up's grant: revoke first)."""
    operators = [ctx.token(f"bench-live-op-{i}", "operator") for i in range(WRITERS)]
    started = time.perf_counter()
    for i in range(1, WRITES + 1):
        await _label(api, operators[i % WRITERS], startup, i)
        await asyncio.sleep(max(0.0, started + i / WRITES_PER_SECOND - time.perf_counter()))


async def run(ctx: Any) -> dict[str, float]:
    """200 subscribers, 100 commits at 25/s; commit → subscriber latency."""
    async with httpx.AsyncClient(timeout=30) as http:
        api = Api(http, ctx.url)
        startup, start = await _setup(api, ctx)
        subscribers = [Subscriber(_ws(ctx.url), _token_for(ctx, i, startup))
                       for i in range(SUBSCRIBERS)]
        readies = [asyncio.Event() for _ in subscribers]
        tasks = [asyncio.create_task(s.follow(start, r)) for s, r in zip(subscribers, readies,
                                                                          strict=True)]
        try:
            return await _measure(api, ctx, startup, subscribers, readies)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def _measure(api: Api, ctx: Any, startup: str,
                   subscribers: list[Subscriber], readies: list[asyncio.Event]) -> dict[str, float]:
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
    await _label(api, ctx.token("bench-live-op-0", "operator"), startup, 0)  # warm-up
    warm = await _head(api, ctx)
    await asyncio.gather(*(s.wait_for(warm, 30) for s in subscribers))  # all live now
    await _write(api, ctx, startup)
    first, last = warm + 1, warm + WRITES
    delivered = await asyncio.gather(*(s.wait_for(last, 15) for s in subscribers))
    samples = sorted(lat for s in subscribers for p, lat in s.latencies.items()
                     if first <= p <= last)
    return _summary(samples, sum(delivered), len(subscribers) * WRITES)


def _summary(samples: list[float], complete: int, expected: int) -> dict[str, float]:
    def pct(q: float) -> float:
        return 1000 * samples[min(len(samples) - 1, int(q * len(samples)))] if samples else -1.0

    return {
        "subscribers": float(SUBSCRIBERS),
        "deliveries": float(len(samples)),
        "missing_deliveries": float(expected - len(samples)),
        "subscribers_complete": float(complete),
        "latency_p50_ms": pct(0.50),
        "latency_p99_ms": pct(0.99),
        "latency_max_ms": 1000 * samples[-1] if samples else -1.0,
    }
