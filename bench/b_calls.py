"""Bench: requests per second of a 20-item `calls(filter: {search:})` page.

Run by the bench runner (`make bench`), which imports every bench/b_*.py and
calls `run(ctx)` with `ctx.url` (a running server with demo data) and
`ctx.token(sub, role)`."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

WORKERS = 16
SECONDS = 5.0
QUERY = """query($q: String!) {
  calls(first: 20, filter: {search: $q}) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id title status deadline acceptingApplications applicationCount
            criteria { name weight } budget { amount currency } corporate { id name } }
  }
}"""
# Words of the demo calls, accented and not, singular and plural.
SEARCHES = ["énergie", "energies", "réseaux", "cybersécurité", "matériaux", "irrigation"]


def _endpoint(url: str) -> str:
    return url if url.rstrip("/").endswith("/graphql") else url.rstrip("/") + "/graphql"


async def _worker(
    client: httpx.AsyncClient, url: str, stop_at: float, latencies: list[float]
) -> int:
    errors, i = 0, 0
    while time.perf_counter() < stop_at:
        started = time.perf_counter()
        body = {"query": QUERY, "variables": {"q": SEARCHES[i % len(SEARCHES)]}}
        response = await client.post(url, json=body)
        latencies.append(time.perf_counter() - started)
        errors += response.status_code != 200 or "errors" in response.json()
        i += 1
    return errors


async def run(ctx: Any) -> dict[str, float]:
    """16 concurrent clients for about 5 s, as a signed-in startup user."""
    url = _endpoint(ctx.url)
    headers = {"Authorization": f"Bearer {ctx.token('bench-startup', 'startup')}"}
    limits = httpx.Limits(max_connections=WORKERS)
    latencies: list[float] = []
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
        await client.post(url, json={"query": QUERY, "variables": {"q": "énergie"}})  # warm-up
        started = time.perf_counter()
        stop_at = started + SECONDS
        errors = await asyncio.gather(*(_worker(client, url, stop_at, latencies)
                                        for _ in range(WORKERS)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "calls_search_page_rps": len(latencies) / elapsed,
        "calls_search_page_p50_ms": 1000 * latencies[len(latencies) // 2],
        "calls_search_page_p95_ms": 1000 * latencies[int(len(latencies) * 0.95)],
        "calls_search_page_errors": float(sum(errors)),
    }
