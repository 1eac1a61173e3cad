"""`python -m bench` (`make bench`): measures the real server and its peer in
one run and writes bench/report.json.

1. a fresh database (DATABASE_URL's server, else the embedded one), on which
   `server.py serve` (uvicorn, uvloop, httptools, default settings but rate
   limits and access logs off) applies the migrations and loads the demo;
2. writes, in rounds: registerStartup mutations/s from 16 clients, then plain
   eventsourcing appends/s on the same database (the baseline), alternating,
   so each round's ratio compares figures taken moments apart;
3. reads, in rounds: req/s of `startup(id:)` and of a 20-startup page with
   totalCount on our server (response cache on, the default), on PostGraphile
   v5 serving a copy of the same startups (bench/peer.py), and on a second
   instance of ours with the response cache off;
4. every bench/b_*.py module against the first instance (time travel, verify,
   live latency, calls search, replay of a generated ledger).

Every figure is the median of its rounds; each round is kept under `runs`.
The machine is shared (others run tests on it): the load average is recorded
at the start and the end.

"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
import httpx

from bench import modules, peer, report
from bench.cpu import CpuWindow
from bench.raw_appends import RAW_CPU_PARTS, appends_per_second
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
                          capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode:
        raise RuntimeError(f"the load generator failed: {done.stderr[-2000:]}")
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


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def writes(server: Server, db_url: str, seconds: float, clients: int,
           rounds: int) -> tuple[dict[str, Any], dict[str, float]]:
    """Mutations and raw appends, alternating: one pair per round."""
    load(server, registrations(clients), 1.0, clients, FIRST_SIREN)  # warm-up
    runs: dict[str, Any] = {"mutations": [], "raw_appends": [], "ratio": [],
                            "cpu_ms_per_mutation": []}
    for k in range(rounds):
        mutations, cpu_ms = mutation_round(server, seconds, clients, k)
        runs["cpu_ms_per_mutation"].append(cpu_ms)
        raw = appends_per_second(db_url, seconds)
        runs["mutations"].append(mutations)
        runs["raw_appends"].append(raw)
        runs["ratio"].append(mutations["rps"] / raw["raw_appends_per_s"])
        log.info("round %d: mutations %.0f/s, raw appends %.0f/s, ratio %.2f", k + 1,
                 mutations["rps"], raw["raw_appends_per_s"], runs["ratio"][-1])
    figures = {
        "mutations_per_s": median([r["rps"] for r in runs["mutations"]]),
        "raw_appends_per_s": median([r["raw_appends_per_s"] for r in runs["raw_appends"]]),
        **{f"raw_{part}_cpu_ms_per_append": median(
            [r[f"raw_{part}_cpu_ms_per_append"] for r in runs["raw_appends"]])
           for part in RAW_CPU_PARTS},
        "mutations_p95_ms": median([r["p95_ms"] for r in runs["mutations"]]),
        "mutations_vs_raw_appends": median(runs["ratio"]),
        "mutation_errors": sum(r["errors"] for r in runs["mutations"]),
    }
    figures.update((f"mutation_cpu_ms_{part}", ms)
                   for part, ms in median_cpu(runs["cpu_ms_per_mutation"]).items())
    return runs, figures


def mutation_round(server: Server, seconds: float, clients: int,
                   k: int) -> tuple[dict[str, float], dict[str, float]]:
    """Round `k` of registrations (SIRENs of its own) and the CPU each part
    of the machine spent per mutation meanwhile, read from `/proc`."""
    cpu = CpuWindow(server.process.pid)
    cpu.start()
    done = load(server, registrations(clients), seconds, clients,
                FIRST_SIREN + (k + 1) * 1_000_000)
    cpu.stop()
    return done, cpu.ms_per(done["requests"])


CPU_PARTS = ("server", "server_children", "postgresql", "machine")


def median_cpu(rounds: list[dict[str, float]]) -> dict[str, float]:
    """Each part's median over the rounds' CPU per mutation."""
    return {part: median([cpu.get(part, 0.0) for cpu in rounds]) for part in CPU_PARTS}


def compare_writes(variants: dict[str, dict[str, str]], seconds: float, clients: int,
                   rounds: int, logs: Path) -> dict[str, Any]:
    """`--variant`: the same write rounds against servers started with different
    settings, each on a fresh database of its own (one projector leader each),
    interleaved in every round with one raw-append measurement, so that every
    ratio is taken under the same load of the machine."""
    with contextlib.ExitStack() as stack:
        servers: dict[str, Server] = {}
        for name, env in variants.items():
            db = stack.enter_context(fresh_database(bench_settings()))
            servers[name] = stack.enter_context(
                running_server(db.url, logs / f"server-{name}.log", env=env))
            raw_url = db.url
            load(servers[name], registrations(clients), 1.0, clients, FIRST_SIREN)  # warm-up
        runs: dict[str, list[float]] = {name: [] for name in [*variants, "raw"]}
        cpu_runs: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
        names = list(servers)
        for k in range(rounds):
            # Rotated each round: work a round leaves behind (autovacuum, a
            # checkpoint) is not always billed to the same next variant.
            for name in names[k % len(names):] + names[:k % len(names)]:
                done, cpu_ms = mutation_round(servers[name], seconds, clients, k)
                runs[name].append(done["rps"])
                cpu_runs[name].append(cpu_ms)
            runs["raw"].append(appends_per_second(raw_url, seconds)["raw_appends_per_s"])
            log.info("round %d: %s", k + 1,
                     ", ".join(f"{n} {v[-1]:.0f}/s" for n, v in runs.items()))
    ratios = {name: median([m / r for m, r in zip(runs[name], runs["raw"], strict=True)])
              for name in variants}
    # CPU per mutation moves less than the rates when the machine is shared.
    cpu_per_variant = {name: median_cpu(cpu_runs[name]) for name in variants}
    return {"runs": runs, "mutations_per_s": {n: median(v) for n, v in runs.items()},
            "mutations_vs_raw_appends": ratios, "cpu_ms_per_mutation": cpu_per_variant}


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """`name:K=V,K=V` (no settings after the colon: the defaults)."""
    name, _, settings = text.partition(":")
    return name, dict(item.split("=", 1) for item in settings.split(",") if item)


Target = tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]  # server, single, page


def reads(targets: dict[str, Target], seconds: float, clients: int,
          rounds: int) -> tuple[dict[str, Any], dict[str, float]]:
    """Each target's two queries, round after round (targets interleaved)."""
    for target, single, page in targets.values():
        load(target, single + page, 1.0, clients)  # warm-up: caches, JIT, pools
    runs: dict[str, list[dict[str, float]]] = {
        f"{query}_{name}": [] for name in targets for query in ("query_single", "query_page20")}
    for k in range(rounds):
        for name, (target, single, page) in targets.items():
            runs[f"query_single_{name}"].append(load(target, single, seconds, clients))
            runs[f"query_page20_{name}"].append(load(target, page, seconds, clients))
        log.info("round %d: %s", k + 1, ", ".join(
            f"{key} {value[-1]['rps']:.0f}/s" for key, value in runs.items()))
    figures: dict[str, float] = {}
    for key, values in runs.items():
        figures[f"{key}_rps"] = median([r["rps"] for r in values])
        figures[f"{key}_p95_ms"] = median([r["p95_ms"] for r in values])
        figures[f"{key}_errors"] = sum(r["errors"] for r in values)
    return runs, figures


def read_targets(stack: contextlib.ExitStack, server: Server, db: Any, logs: Path,
                 peer_info: dict[str, Any], with_peer: bool) -> dict[str, Target]:
    """Our server, PostGraphile over a copy of the same startups, ours uncached."""
    startup = first_startup(server)
    single = [{"body": {"query": SINGLE, "variables": {"id": startup}}}]
    page = [{"body": {"query": PAGE}}]
    targets: dict[str, Target] = {"cached": (server, single, page)}
    if with_peer:
        try:
            peer_info["node"] = peer.node_version(peer.install())
            peer_info["rows"] = peer.copy_startups(db.url)  # the same startups, now
            postgraphile = stack.enter_context(peer.running_peer(db.url, logs / "peer.log"))
            targets["postgraphile"] = (
                postgraphile, [{"body": {"query": peer.SINGLE, "variables": {"id": startup}}}],
                [{"body": {"query": peer.PAGE}}])
        except (peer.PeerUnavailable, OSError, subprocess.SubprocessError) as exc:
            peer_info["unavailable"] = str(exc)
            log.warning("PostGraphile not measured: %s", exc)
    else:
        peer_info["unavailable"] = "--no-peer"
    plain = stack.enter_context(running_server(db.url, logs / "server-uncached.log",
                                               PASSERELLE_RESPONSE_CACHE="0"))
    targets["uncached"] = (plain, single, page)
    return targets


METHOD = {
    "figures": "median of the rounds; every round under `runs`",
    "load_generator": "bench/load.py: raw HTTP/1.1 keep-alive client on uvloop, in its own "
                      "process, the same for every server",
    "server": "server.py serve (uvicorn, uvloop, httptools, one HTTP process and the projector "
              "process, unless server_env says otherwise); rate limits and access log off; "
              "response cache on (the default) unless a figure says uncached (a second "
              "instance with PASSERELLE_RESPONSE_CACHE=0)",
    "peer": "PostGraphile 5.1.5 (Amber preset, node's http server, one process, node 22 from "
            "npm) over peer.startups: a copy of our startups (same rows, fields and (name, id) "
            "index) made after the write rounds; the same queries in its naming",
    "mutation": "registerStartup, each client its own startup user, unique SIRENs",
    "raw_appends": "eventsourcing Application, stock PostgreSQL recorder, schema bench_raw, "
                   "POSTGRES_ENABLE_DB_FUNCTIONS=y, 8 threads, one event per save",
}


@click.command()
@click.option("--seconds", default=4.0, show_default=True, help="Length of each measurement.")
@click.option("--rounds", default=3, show_default=True, help="Rounds of every measurement.")
@click.option("--clients", default=16, show_default=True, help="Concurrent HTTP clients.")
@click.option("--out", default=str(ROOT / "bench" / "report.json"), show_default=True)
@click.option("--module", "only", multiple=True, help="Run only these b_* modules.")
@click.option("--no-modules", is_flag=True, help="Skip the b_* modules.")
@click.option("--no-peer", is_flag=True, help="Do not run PostGraphile.")
@click.option("--module-timeout", default=120.0, show_default=True)
@click.option("--server-env", "server_env", multiple=True, metavar="NAME=VALUE",
              help="A PASSERELLE_* setting for the measured server, e.g. PASSERELLE_WORKERS=2.")
@click.option("--variant", "variants", multiple=True, metavar="NAME:K=V,...",
              help="Compare the write rounds of servers with these settings (repeatable); "
                   "prints the figures, no report.")
@click.option("--writes-only", is_flag=True,
              help="Only the write rounds (mutations against raw appends); no report file.")
def main(seconds: float, rounds: int, clients: int, out: str, only: tuple[str, ...],
         no_modules: bool, no_peer: bool, module_timeout: float, writes_only: bool,
         server_env: tuple[str, ...], variants: tuple[str, ...]) -> None:
    """Benchmark Passerelle end to end, beside PostGraphile, and write the report."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s bench %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    started = time.perf_counter()
    logs = Path(tempfile.mkdtemp(prefix="passerelle-bench-"))
    if variants:
        log.info("logs in %s", logs)
        compared = compare_writes(dict(map(parse_variant, variants)), seconds, clients, rounds,
                                  logs)
        click.echo(json.dumps(compared, indent=2))
        return
    peer_info: dict[str, Any] = {"name": "PostGraphile", "version": "5.1.5"}
    with fresh_database(bench_settings()) as db:
        log.info("database %s; logs in %s", db.name, logs)
        machine = report.machine(db.url, db.embedded)
        overrides = dict(item.split("=", 1) for item in server_env)
        with running_server(db.url, logs / "server.log", env=overrides) as server:
            log.info("server ready in %.1fs", time.perf_counter() - started)
            write_runs, figures = writes(server, db.url, seconds, clients, rounds)
            if writes_only:  # a quick look at one figure: print it, keep the report
                click.echo(json.dumps(figures, indent=2))
                return
            with contextlib.ExitStack() as stack:
                targets = read_targets(stack, server, db, logs, peer_info, not no_peer)
                read_runs, read_figures = reads(targets, seconds, clients, rounds)
            figures.update(read_figures)
            ctx = modules.Context(server.url, db.url, token, server.process.pid, overrides)
            names = [] if no_modules else modules.discover(list(only) or None)
            extra = asyncio.run(modules.run_all(ctx, names, module_timeout))
    method = {"clients": clients, "seconds_per_measurement": seconds, "rounds": rounds,
              **METHOD, "server_env": overrides}
    result = report.build(figures, {"writes": write_runs, "reads": read_runs}, extra, machine,
                          method, time.perf_counter() - started, peer_info)
    Path(out).write_text(json.dumps(result, indent=2) + "\n")
    click.echo(report.table(result))
    click.echo(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
