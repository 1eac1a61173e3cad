"""`python -m bench` (`make bench`): measures the real server in one run and
writes bench/report.json.

1. a fresh database (DATABASE_URL's server, else the embedded one), on which
   `server.py serve` (uvicorn, uvloop, httptools, default settings but rate
   limits and access logs off) applies the migrations and loads the demo;
2. mutations/s: registerStartup from 16 concurrent clients, unique SIRENs;
3. req/s of a single-startup query and of a 20-startup page with totalCount;
4. plain eventsourcing appends/s on the same database (the baseline);
5. the two queries again on a second instance with the response cache off;
6. every bench/b_*.py module against the first instance."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
import httpx

from bench import modules, report
from bench.raw_appends import appends_per_second
from bench.system import ROOT, Server, bench_settings, fresh_database, running_server, token

log = logging.getLogger("bench")

REGISTER = """mutation($i: RegisterStartupInput!) {
  registerStartup(input: $i) { startup { id name version } userErrors { code message } } }"""
SINGLE = """query($id: ID!) { startup(id: $id) {
  id name siren description website city foundedYear sectors technologies labels version } }"""
PAGE = """{ startups(first: 20) { totalCount pageInfo { hasNextPage endCursor }
  nodes { id name city foundedYear sectors technologies labels } } }"""
FIRST_SIREN = 40_000_000  # far from the demo's SIRENs


def load(server: Server, requests: list[dict[str, Any]], seconds: float, clients: int,
         first_n: int = 0) -> dict[str, float]:
    """Runs the load generator in its own process against `server`."""
    spec = {"host": "127.0.0.1", "port": server.port, "path": "/graphql", "seconds": seconds,
            "clients": clients, "requests": requests, "first_n": first_n}
    done = subprocess.run([sys.executable, "-m", "bench.load", json.dumps(spec)], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=seconds + 60)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def registrations(clients: int) -> list[dict[str, Any]]:
    return [{"token": token(f"bench-founder-{k}", "startup"), "body": {
        "query": REGISTER, "variables": {"i": {
            "name": "Bench {n}", "siren": "{siren}", "description": "Startup du banc d'essai",
            "city": "Lyon", "sectors": ["Énergie"], "technologies": ["Hydrogène"],
            "contactName": "Fondatrice {n}", "contactEmail": "bench{n}@example.fr"}}}}
        for k in range(clients)]


def first_startup(server: Server) -> str:
    body = httpx.post(server.url, json={"query": "{ startups(first: 1) { nodes { id } } }"},
                      timeout=10).json()
    return str(body["data"]["startups"]["nodes"][0]["id"])


def queries(server: Server, startup: str, seconds: float, clients: int,
            suffix: str = "") -> dict[str, dict[str, float]]:
    single = [{"body": {"query": SINGLE, "variables": {"id": startup}}}]
    page = [{"body": {"query": PAGE}}]
    load(server, single + page, 1.0, clients)  # warm-up: parser and validation caches
    return {f"query_single{suffix}": load(server, single, seconds, clients),
            f"query_page20{suffix}": load(server, page, seconds, clients)}


def figures_of(runs: dict[str, dict[str, float]], raw: dict[str, float]) -> dict[str, float]:
    figures = {"mutations_per_s": runs["mutations"]["rps"]}
    for name in ("query_single", "query_page20", "query_single_uncached",
                 "query_page20_uncached"):
        if name in runs:
            figures[f"{name}_rps"] = runs[name]["rps"]
    figures["raw_appends_per_s"] = raw["raw_appends_per_s"]
    figures["mutations_p95_ms"] = runs["mutations"]["p95_ms"]
    figures["query_single_p95_ms"] = runs["query_single"]["p95_ms"]
    figures["query_page20_p95_ms"] = runs["query_page20"]["p95_ms"]
    figures["errors"] = sum(r["errors"] for r in runs.values())
    return figures


@click.command()
@click.option("--seconds", default=6.0, show_default=True, help="Length of each measurement.")
@click.option("--clients", default=16, show_default=True, help="Concurrent HTTP clients.")
@click.option("--out", default=str(ROOT / "bench" / "report.json"), show_default=True)
@click.option("--module", "only", multiple=True, help="Run only these b_* modules.")
@click.option("--no-modules", is_flag=True, help="Skip the b_* modules.")
@click.option("--module-timeout", default=90.0, show_default=True)
def main(seconds: float, clients: int, out: str, only: tuple[str, ...], no_modules: bool,
         module_timeout: float) -> None:
    """Benchmark Passerelle end to end and write the report."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s bench %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    started = time.perf_counter()
    logs = Path(tempfile.mkdtemp(prefix="passerelle-bench-")) / "server.log"
    with fresh_database(bench_settings()) as db:
        log.info("database %s; server log in %s", db.name, logs)
        machine = report.machine(db.url, db.embedded)
        runs: dict[str, dict[str, float]] = {}
        with running_server(db.url, logs) as server:
            log.info("server ready in %.1fs", time.perf_counter() - started)
            runs["mutations"] = load(server, registrations(clients), seconds, clients,
                                     FIRST_SIREN)
            log.info("mutations: %.0f/s", runs["mutations"]["rps"])
            startup = first_startup(server)
            runs.update(queries(server, startup, seconds, clients))
            log.info("queries: %.0f, %.0f req/s", runs["query_single"]["rps"],
                     runs["query_page20"]["rps"])
            raw = appends_per_second(db.url, seconds)
            log.info("raw appends: %.0f/s", raw["raw_appends_per_s"])
            with running_server(db.url, logs, PASSERELLE_RESPONSE_CACHE="0") as plain:
                runs.update(queries(plain, startup, seconds, clients, "_uncached"))
            ctx = modules.Context(server.url, db.url, token)
            names = [] if no_modules else modules.discover(list(only) or None)
            extra = asyncio.run(modules.run_all(ctx, names, module_timeout))
    method = {
        "clients": clients, "seconds_per_measurement": seconds,
        "load_generator": "bench/load.py: raw HTTP/1.1 keep-alive client on uvloop, "
                          "in its own process",
        "server": "server.py serve (uvicorn, uvloop, httptools); rate limits and access log "
                  "off; response cache on (the default) unless a figure says uncached",
        "mutation": "registerStartup, each client its own startup user, unique SIRENs",
        "raw_appends": "eventsourcing Application, stock PostgreSQL recorder, schema bench_raw,"
                       " POSTGRES_ENABLE_DB_FUNCTIONS=y, 8 threads, one event per save",
    }
    result = report.build(figures_of(runs, raw), {**runs, "raw_appends": raw}, extra, machine,
                          method, time.perf_counter() - started)
    Path(out).write_text(json.dumps(result, indent=2) + "\n")
    click.echo(report.table(result))
    click.echo(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
