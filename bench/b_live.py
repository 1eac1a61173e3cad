"""Bench: Subscription.ledger with 1,000 subscribers on one server instance
(graphql-transport-ws), the target of issue 9: commit → subscriber p99 ≤ 50 ms
and ≤ 50 KB of server memory per idle subscriber.

Run by the bench runner (`make bench`), which imports every bench/b_*.py and
calls `run(ctx)`; this one starts a fresh server of its own for both parts
(`run_on` measures a given server: `python -m bench.live_run` starts its own).

1. Memory: the server's RSS (/proc/<pid>/status) before and after opening the
   connections (upgrade + connection_init, acknowledged), then after
   subscribing on each (`after:` the head, so nothing to catch up, and nothing
   committing); per connection, per subscription, per idle subscriber (both).
2. Latency: mutations commit at a steady rate; latency is the subscriber's
   clock when its socket read the message minus the entry's `occurredAt` (set
   inside the appending transaction, just before its commit), so the server
   must run on this machine, which is how the runner starts it. Every socket
   also checks order, gaps and duplicates over the measured range.

The sockets are spread over several client processes (bench/live_client.py,
a raw WebSocket client) so the measuring side keeps up; their CPU time, and
the server's, over the measured window are in the figures."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench.live_proc import ClientProcess, ask_all, cpu_seconds, rss_kb, server_pid
from bench.live_writes import Api, label, setup, token_for, ws_target
from bench.system import running_server, sibling_database


def _setting(name: str, default: float) -> float:
    return float(os.environ.get(f"BENCH_LIVE_{name}", default))


SUBSCRIBERS = int(_setting("SUBSCRIBERS", 1000))
CLIENT_PROCESSES = int(_setting("CLIENTS", 4))
WRITES = int(_setting("WRITES", 100))
WRITES_PER_SECOND = _setting("RATE", 25.0)
WARM_SUBSCRIBERS = 20  # a first, small round so the figures exclude one-time start-up costs
WRITERS = 4  # operator tokens the writes rotate over
MESSAGE_PATHS = ("direct", "wire", "asgi", "executed")
SUBSCRIPTION = """subscription($after: Int) {
  ledger(after: $after) { position occurredAt type streamId } }"""


async def _clients(ctx: Any, tokens: list[str], after: int, processes: int) -> list[ClientProcess]:
    """Client processes holding `tokens`' sockets, each acknowledged."""
    target = ws_target(ctx.url)
    shares = [tokens[k::processes] for k in range(processes)]
    clients = [await ClientProcess.start({**target, "tokens": share, "query": SUBSCRIPTION,
                                          "after": after}) for share in shares if share]
    await asyncio.gather(*(c.answer() for c in clients))  # {"connected": n}
    return clients


async def _metrics(http: httpx.AsyncClient, ctx: Any) -> dict[str, float]:
    """The server's samples by name and labels, e.g. `passerelle_subscribers`,
    `passerelle_live_messages_total{path=wire}`."""
    text = (await http.get(ctx.url.rsplit("/graphql", 1)[0] + "/metrics")).text
    return {sample.name + "".join(f"{{{k}={v}}}" for k, v in sorted(sample.labels.items())):
            sample.value for family in text_string_to_metric_families(text)
            for sample in family.samples}


async def _subscribers(http: httpx.AsyncClient, ctx: Any) -> int:
    return int((await _metrics(http, ctx)).get("passerelle_subscribers", 0))


async def _messages(http: httpx.AsyncClient, ctx: Any) -> dict[str, float]:
    """Live messages so far by the path they took (docs/live.md)."""
    found = await _metrics(http, ctx)
    return {path: found.get(f"passerelle_live_messages_total{{path={path}}}", 0.0)
            for path in MESSAGE_PATHS}


async def _settled(http: httpx.AsyncClient, ctx: Any, count: int, timeout: float = 60) -> None:
    """Until the server counts `count` subscribers, then a moment for the rest."""
    deadline = time.monotonic() + timeout
    while await _subscribers(http, ctx) != count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{await _subscribers(http, ctx)} subscribers, not {count}")
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)


async def _warm_up(api: Api, ctx: Any, startup: str, after: int) -> None:
    """Starts the broker and fills the caches that the first subscriber pays for."""
    tokens = [ctx.token(f"bench-live-warm-{i}", "auditor") for i in range(WARM_SUBSCRIBERS)]
    clients = await _clients(ctx, tokens, after, 1)
    try:
        await ask_all(clients, "subscribe")
        await label(api, ctx.token("bench-live-op-0", "operator"), startup, 0)
        await ask_all(clients, f"wait {await api.head(ctx)} 30")
    finally:
        for c in clients:
            await c.stop()


async def _write(api: Api, ctx: Any, startup: str) -> None:
    """WRITES entries at a steady rate (the warm-ups granted then revoked: grant first)."""
    operators = [ctx.token(f"bench-live-op-{i}", "operator") for i in range(WRITERS)]
    started = time.perf_counter()
    for i in range(1, WRITES + 1):
        await label(api, operators[i % WRITERS], startup, i + 1)
        await asyncio.sleep(max(0.0, started + i / WRITES_PER_SECOND - time.perf_counter()))


async def run(ctx: Any) -> dict[str, float]:
    """`run_on` a server of its own, on a database of its own (the demo loaded),
    with the runner's settings. RSS only shows the heap's growth: on the shared
    server, memory freed by the benches before this one was reused, and 1,000
    idle subscribers measured 35 KB each there against 48 KB in a fresh process
    (a third run on one server: 1.2 KB)."""
    # Started and stopped in this thread (blocking the loop, where nothing else
    # runs meanwhile): a thread left starting it after a timeout would leak it.
    log = Path(tempfile.mkdtemp(prefix="passerelle-live-")) / "server.log"
    with sibling_database(ctx.database_url) as db, \
            running_server(db.url, log, env=ctx.server_env) as server:
        own = dataclasses.replace(ctx, url=server.url, database_url=db.url,
                                  server_pid=server.process.pid)
        return await run_on(own)


async def run_on(ctx: Any) -> dict[str, float]:
    """Memory per idle subscriber, then commit → subscriber latency, on ctx's server."""
    pid = server_pid(ctx)
    async with httpx.AsyncClient(timeout=30) as http:
        api = Api(http, ctx.url)
        startup, start = await setup(api, ctx)
        await _warm_up(api, ctx, startup, start)
        await _settled(http, ctx, 0)
        rss = [rss_kb(pid)] if pid else []
        run_id = random.randrange(10**9)  # fresh users: the per-token connection limit
        tokens = [token_for(ctx, f"{run_id}-{i}", i, startup) for i in range(SUBSCRIBERS)]
        clients = await _clients(ctx, tokens, await api.head(ctx), CLIENT_PROCESSES)
        try:
            await asyncio.sleep(1.0)
            rss += [rss_kb(pid)] if pid else []
            await ask_all(clients, "subscribe")
            await _settled(http, ctx, SUBSCRIBERS)
            rss += [rss_kb(pid)] if pid else []
            figures = await _measure(api, ctx, startup, clients, pid)
        finally:
            for c in clients:
                await c.stop()
    return {**_memory(rss), **figures}


async def _measure(api: Api, ctx: Any, startup: str, clients: list[ClientProcess],
                   pid: int | None) -> dict[str, float]:
    await label(api, ctx.token("bench-live-op-0", "operator"), startup, 1)  # every socket live
    warm = await api.head(ctx)
    await ask_all(clients, f"wait {warm} 60")
    await ask_all(clients, "mark")
    before = await _messages(api.http, ctx)
    server_cpu, started = cpu_seconds(pid) if pid else 0.0, time.monotonic()
    await _write(api, ctx, startup)
    first, last = warm + 1, warm + WRITES
    reached = await ask_all(clients, f"wait {last} 30")
    wall = time.monotonic() - started
    server_cpu = (cpu_seconds(pid) - server_cpu) if pid else -1.0
    after = await _messages(api.http, ctx)
    reports = await ask_all(clients, f"report {first} {last}")
    return {**_summary(reports, sum(r["complete"] for r in reached), server_cpu, wall),
            **{f"messages_{path}": after[path] - before[path] for path in MESSAGE_PATHS}}


def _memory(rss: list[int]) -> dict[str, float]:
    if len(rss) < 3:
        return {}
    base, connected, subscribed = rss
    return {
        "server_rss_mb": subscribed / 1024,
        "memory_per_idle_subscriber_kb": (subscribed - base) / SUBSCRIBERS,
        "memory_per_connection_kb": (connected - base) / SUBSCRIBERS,
        "memory_per_subscription_kb": (subscribed - connected) / SUBSCRIBERS,
    }


def _summary(reports: list[dict[str, Any]], complete: int, server_cpu: float,
             wall: float) -> dict[str, float]:
    samples = sorted(lat for r in reports for lat in r["latencies"])

    def pct(q: float) -> float:
        return 1000 * samples[min(len(samples) - 1, int(q * len(samples)))] if samples else -1.0

    by_commit: dict[int, list[float]] = {}
    for r in reports:
        for position, latency in zip(r["positions"], r["latencies"], strict=True):
            by_commit.setdefault(position, []).append(latency)
    firsts = sorted(min(v) for v in by_commit.values())  # commit → first subscriber
    spreads = sorted(max(v) - min(v) for v in by_commit.values())  # first → last subscriber
    client_cpu = sum(r["cpu_seconds"] for r in reports)
    machine = wall * (os.cpu_count() or 1)
    return {
        "subscribers": float(SUBSCRIBERS),
        "writes_per_s": WRITES_PER_SECOND,
        "deliveries": float(len(samples)),
        "missing_deliveries": float(sum(r["missing"] for r in reports)),
        "duplicate_deliveries": float(sum(r["duplicates"] for r in reports)),
        "out_of_order_deliveries": float(sum(r["out_of_order"] for r in reports)),
        "client_errors": float(sum(r["error_count"] for r in reports)),
        "subscribers_complete": float(complete),
        "latency_p50_ms": pct(0.50),
        "latency_p90_ms": pct(0.90),
        "latency_p99_ms": pct(0.99),
        "latency_max_ms": 1000 * samples[-1] if samples else -1.0,
        # Per commit: how long until its first subscriber had it, and how long
        # the fan-out took from the first subscriber to the last (medians, worst).
        "first_delivery_p50_ms": 1000 * firsts[len(firsts) // 2] if firsts else -1.0,
        "first_delivery_max_ms": 1000 * firsts[-1] if firsts else -1.0,
        "fan_out_spread_p50_ms": 1000 * spreads[len(spreads) // 2] if spreads else -1.0,
        "fan_out_spread_max_ms": 1000 * spreads[-1] if spreads else -1.0,
        "client_processes": float(len(reports)),
        # Shares of the whole 2-core machine over the measured window.
        "client_cpu_share": client_cpu / machine,
        "server_cpu_share": server_cpu / machine if server_cpu >= 0 else -1.0,
    }
