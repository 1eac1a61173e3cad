"""A minimal HTTP/1.1 load generator, run in its own process by the bench.

Why not httpx: on a 2-core machine the load generator competes with the server
and PostgreSQL for CPU. httpx spends ~250 µs of Python per request; this client
writes pre-built request bytes on keep-alive connections and reads the reply
with two stream calls (~25 µs per request on uvloop), so it takes a few percent
of a core at the server's rates and leaves the rest to what is measured. Its
own CPU time is reported, so the claim can be checked on every run. (`wrk`
would do as well, but it is not installed by `make install`.)

    python -m bench.load '<spec as JSON>'   # prints the result as JSON

A spec: {"host", "port", "path", "seconds", "clients", "requests": [...]} where
each request is {"body": <JSON document>, "token": <bearer or null>}; client k
sends requests k, k + clients, k + 2·clients... in turn, cycling. A body may
hold "{n}" placeholders: the n-th request of the run (so every SIREN of a
registration run is unique); "{siren}" becomes a valid SIREN made from n."""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import Any

import orjson

ALL_GOOD = b'"errors"'


def siren(n: int) -> str:
    """A valid SIREN (8 digits from n plus the Luhn check digit)."""
    body = f"{n:08d}"[-8:]
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


class Template:
    """One request, as bytes, with its per-request counter substituted."""

    def __init__(self, host: str, port: int, path: str, body: Any, token: str | None) -> None:
        self.text = orjson.dumps(body).decode()
        self.dynamic = "{n}" in self.text or "{siren}" in self.text
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                     f"Content-Type: application/json\r\nAccept: application/json\r\n{auth}")
        self.fixed = self._build(self.text.encode())

    def _build(self, body: bytes) -> bytes:
        return (self.head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    def render(self, n: int) -> bytes:
        if not self.dynamic:
            return self.fixed
        text = self.text.replace("{siren}", siren(n)).replace("{n}", str(n))
        return self._build(text.encode())


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    start = lower.find(b"content-length:")
    if start >= 0:
        end = lower.index(b"\r\n", start)
        return status, await reader.readexactly(int(lower[start + 15:end]))
    body = b""  # chunked
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


class Counter:
    def __init__(self) -> None:
        self.next = 0

    def take(self) -> int:
        self.next += 1
        return self.next


async def client(spec: dict[str, Any], templates: list[Template], k: int, stop_at: float,
                 counter: Counter, latencies: list[float]) -> int:
    reader, writer = await asyncio.open_connection(spec["host"], spec["port"])
    mine = templates[k % len(templates)::spec["clients"]] or templates
    errors, i = 0, 0
    try:
        while time.perf_counter() < stop_at:
            request = mine[i % len(mine)].render(counter.take())
            started = time.perf_counter()
            writer.write(request)
            status, body = await read_response(reader)
            latencies.append(time.perf_counter() - started)
            errors += status != 200 or ALL_GOOD in body or b'"userErrors":[{' in body
            i += 1
    finally:
        writer.close()
    return errors


async def run(spec: dict[str, Any]) -> dict[str, float]:
    templates = [Template(spec["host"], spec["port"], spec["path"], r["body"], r.get("token"))
                 for r in spec["requests"]]
    counter, latencies = Counter(), list[float]()
    counter.next = int(spec.get("first_n", 0))
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    stop_at = started + float(spec["seconds"])
    errors = await asyncio.gather(*(client(spec, templates, k, stop_at, counter, latencies)
                                    for k in range(int(spec["clients"]))))
    elapsed = time.perf_counter() - started
    used = resource.getrusage(resource.RUSAGE_SELF)
    latencies.sort()

    def pct(q: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return {
        "requests": float(len(latencies)), "errors": float(sum(errors)),
        "seconds": elapsed, "rps": len(latencies) / elapsed,
        "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
        "generator_cpu_share": ((used.ru_utime - cpu.ru_utime) + (used.ru_stime - cpu.ru_stime))
        / elapsed,
    }


def main() -> None:
    spec = json.loads(sys.argv[1])
    try:
        import uvloop

        result = uvloop.run(run(spec))
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        result = asyncio.run(run(spec))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
