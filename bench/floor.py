"""The write target's floor on this machine, measured in one run.

    python -m bench.floor [--rounds 4] [--seconds 4] [--minimal-workers 1]
                          [--minimal-commit threads|loop] [--minimal-parallel]

Issue 9 asks for `registerStartup`/s over HTTP ≥ 0.5 * raw eventsourcing
appends/s. On a machine whose writes are bound by its CPU, that sets a CPU
budget per mutation: its cores / (0.5 * raw appends/s). This measures, in
alternated rounds on the same machine:

- raw: the raw appends/s (the target's denominator, bench/raw_appends.py),
  and the CPU each append cost: eventsourcing's client (this process),
  PostgreSQL and the machine;
- ours: the real server's write rounds (`make bench`'s), and the CPU that
  PostgreSQL and the projector process spend per mutation: what recording
  the entry, projecting it and reading the payload cost outside the HTTP
  process;
- bare: the same document, from the same load generator, against our own
  HTTP and GraphQL path with nothing behind it (bench/floor_app.py): the
  machine's CPU per request (uvicorn, starlette, strawberry, graphql-core,
  the load generator), PostgreSQL's idle work left out;
- minimal: the same again against the least a write of this architecture
  does on our stack (bench/minimal_app.py: the bare path, one stock
  eventsourcing append per mutation with group commit, the read model's row
  inserted in the request): its rate against the raw appends bounds what
  any implementation could reach here, with authentication, validation, the
  domain's rules, the hash chain, encryption and the projector left out.

floor = bare's machine CPU per request + PostgreSQL's + the projector's per
mutation: an estimate of what a mutation would cost if the rest of our
Python in the HTTP process (middleware, authorization, validation, the
domain, eventsourcing, group commit, encryption, the wait for the
projections, the payload's resolution) were free, with our SQL and our
projections as they are. The gap between the budget and the floor is what
that Python may cost for the target to be met, to be set beside what
eventsourcing's client alone costs per raw append. Prints the figures as JSON;
fails if any request failed."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click
import httpx

from bench.__main__ import load, median, median_cpu, mutation_round, registrations
from bench.cpu import CpuWindow
from bench.cpu import cores as available_cores
from bench.raw_appends import RAW_CPU_PARTS, appends_per_second
from bench.system import ROOT, Server, bench_settings, free_port, fresh_database, running_server

log = logging.getLogger("bench.floor")
TARGET = 0.5  # mutations per raw append
PARTS = ("ours", "bare", "minimal", "raw")


@contextlib.contextmanager
def running_app(app: str, log_path: Path, env: dict[str, str] | None = None,
                workers: int = 1) -> Iterator[Server]:
    """uvicorn serving `app` (module:attribute) as the real server is served."""
    port = free_port()
    with log_path.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1",
             "--port", str(port), "--loop", "uvloop", "--http", "httptools",
             "--no-access-log", "--log-level", "warning", "--workers", str(workers)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    server = Server(process, port, f"http://127.0.0.1:{port}/graphql")
    try:
        _wait_ready(server)
        yield server
    finally:
        server.stop()


def _wait_ready(server: Server) -> None:
    for _ in range(300):
        if server.process.poll() is not None:
            raise RuntimeError(f"the server on port {server.port} exited")
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(server.url, json={"query": "{ ok }"}, timeout=1).raise_for_status()
            return
        time.sleep(0.1)
    raise TimeoutError(f"the server on port {server.port} did not answer within 30 s")


def app_round(server: Server, seconds: float, clients: int) -> tuple[dict[str, float],
                                                                     dict[str, float]]:
    cpu = CpuWindow(server.process.pid)
    cpu.start()
    done = load(server, registrations(clients), seconds, clients)
    cpu.stop()
    return done, cpu.ms_per(done["requests"])


def _checked(name: str, done: dict[str, float]) -> float:
    if done["errors"]:
        raise RuntimeError(f"{name}: {done['errors']:.0f} requests failed")
    return done["rps"]


@dataclass(frozen=True)
class MinimalOptions:
    """How the least write is served (bench/minimal_app.py)."""

    workers: int = 1
    commit: str = "threads"  # or "loop"
    parallel: bool = False

    def env(self, database_url: str, clients: int) -> dict[str, str]:
        return {"MINIMAL_DATABASE_URL": database_url, "MINIMAL_COMMIT": self.commit,
                "MINIMAL_PARALLEL": "1" if self.parallel else "0",
                "MINIMAL_THREADS": str(max(1, clients // self.workers))}


def measure(seconds: float, clients: int, rounds: int, logs: Path,
            minimal: MinimalOptions = MinimalOptions()) -> dict[str, Any]:
    runs: dict[str, list[Any]] = {"ours": [], "ours_cpu": [], "bare": [], "bare_cpu": [],
                                  "minimal": [], "minimal_cpu": [], "raw": [], "raw_cpu": []}
    with fresh_database(bench_settings()) as db, \
            running_server(db.url, logs / "server.log") as ours, \
            running_app("bench.floor_app:app", logs / "bare.log") as bare, \
            running_app("bench.minimal_app:app", logs / "minimal.log",
                        minimal.env(db.url, clients), minimal.workers) as least:
        load(ours, registrations(clients), 1.0, clients, 30_000_000)  # warm-up
        for warmed in (bare, least):
            load(warmed, registrations(clients), 1.0, clients)
        for k in range(rounds):
            # Rotated each round: what a round leaves behind (autovacuum, the
            # projector catching up) is not always billed to the same next one.
            for part in PARTS[k % len(PARTS):] + PARTS[:k % len(PARTS)]:
                if part == "ours":
                    done, cpu_ms = mutation_round(ours, seconds, clients, k)
                elif part in ("bare", "minimal"):
                    done, cpu_ms = app_round(bare if part == "bare" else least, seconds,
                                             clients)
                else:
                    raw = appends_per_second(db.url, seconds)
                    runs["raw"].append(raw["raw_appends_per_s"])
                    runs["raw_cpu"].append({part: raw[f"raw_{part}_cpu_ms_per_append"]
                                            for part in RAW_CPU_PARTS})
                    continue
                runs[part].append(_checked(part, done))
                runs[f"{part}_cpu"].append(cpu_ms)
            log.info("round %d: ours %.0f/s, bare %.0f/s, minimal %.0f/s, raw appends %.0f/s",
                     k + 1, runs["ours"][-1], runs["bare"][-1], runs["minimal"][-1],
                     runs["raw"][-1])
    return {"runs": runs, "figures": figures(runs), "minimal": asdict(minimal)}


def figures(runs: dict[str, list[Any]]) -> dict[str, float]:
    cores = available_cores()
    raw = median(runs["raw"])
    ours_cpu, bare_cpu = median_cpu(runs["ours_cpu"]), median_cpu(runs["bare_cpu"])
    minimal_cpu = median_cpu(runs["minimal_cpu"])
    bare_ms = bare_cpu["machine"] - bare_cpu["postgresql"]  # the idle database's own work
    floor = bare_ms + ours_cpu["postgresql"] + ours_cpu["server_children"]
    budget = cores * 1000 / (TARGET * raw)
    return {
        "cores": cores, "raw_appends_per_s": raw,
        "mutations_per_s": median(runs["ours"]), "bare_requests_per_s": median(runs["bare"]),
        "mutations_vs_raw_appends": median(runs["ours"]) / raw,  # of medians
        "budget_ms_per_mutation": budget,
        "ours_machine_ms": ours_cpu["machine"], "ours_http_process_ms": ours_cpu["server"],
        "ours_postgresql_ms": ours_cpu["postgresql"],
        "ours_projector_ms": ours_cpu["server_children"],
        "bare_machine_ms": bare_ms, "bare_http_process_ms": bare_cpu["server"],
        "floor_ms_per_mutation": floor, "floor_vs_budget": floor / budget,
        # What the rest of our Python may cost per mutation, beside what a raw
        # append (one aggregate per transaction) costs eventsourcing's client,
        # PostgreSQL and the machine.
        "allowed_ms_per_mutation": budget - floor,
        **{f"raw_{part}_ms_per_append": median([r[part] for r in runs["raw_cpu"]])
           for part in RAW_CPU_PARTS},
        # The best ratio a mutation costing only the floor could reach here.
        "floor_mutations_vs_raw_appends": cores * 1000 / floor / raw,
        # What the least write of the architecture reached, measured.
        "minimal_requests_per_s": median(runs["minimal"]),
        "minimal_vs_raw_appends": median(runs["minimal"]) / raw,
        "minimal_machine_ms": minimal_cpu["machine"],
        # Its workers, when uvicorn runs several, are the supervisor's children.
        "minimal_http_process_ms": minimal_cpu["server"] + minimal_cpu["server_children"],
        "minimal_postgresql_ms": minimal_cpu["postgresql"],
    }


@click.command()
@click.option("--seconds", default=4.0, show_default=True)
@click.option("--rounds", default=4, show_default=True)
@click.option("--clients", default=16, show_default=True)
@click.option("--minimal-workers", default=1, show_default=True,
              help="uvicorn workers serving the least write (its clients split among them)")
@click.option("--minimal-commit", type=click.Choice(["threads", "loop"]), default="threads",
              show_default=True, help="how the least write groups its appends")
@click.option("--minimal-parallel", is_flag=True,
              help="the least write's row inserted beside its append, not after it")
def main(seconds: float, rounds: int, clients: int, minimal_workers: int,
         minimal_commit: str, minimal_parallel: bool) -> None:
    """Measure the write target's floor on this machine; print JSON."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s bench %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logs = Path(tempfile.mkdtemp(prefix="passerelle-floor-"))
    log.info("logs in %s", logs)
    click.echo(json.dumps(measure(seconds, clients, rounds, logs,
                                       MinimalOptions(minimal_workers, minimal_commit,
                                                      minimal_parallel)), indent=2))


if __name__ == "__main__":
    main()
