"""The baseline: what plain eventsourcing appends per second on the same
database, with its stock PostgreSQL recorder (in a schema of its own), its
database functions on, from 8 threads, one new aggregate (one event) per save.

Also the CPU each append cost, read from /proc as bench/cpu.py does: this
process's (eventsourcing's and psycopg's Python, as a client of PostgreSQL;
the caller runs nothing else meanwhile), PostgreSQL's (read before the pool
closes its connections, so its backends are counted) and the machine's."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from psycopg.conninfo import conninfo_to_dict

from bench.cpu import CpuWindow

SCHEMA = "bench_raw"
RAW_CPU_PARTS = ("client", "postgresql", "machine")  # raw_<part>_cpu_ms_per_append


class Dot(Aggregate):
    """A one-event aggregate about the size of a registration."""

    @event("Placed")
    def __init__(self, name: str, siren: str, description: str, meta: dict[str, Any]) -> None:
        self.name = name


class Baseline(Application[Any]):
    name = "Baseline"


def _env(database_url: str, threads: int, schema: str = SCHEMA) -> dict[str, str]:
    info = conninfo_to_dict(database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(info.get("dbname", "postgres")),
        "POSTGRES_HOST": str(info.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(info.get("port", "5432")),
        "POSTGRES_USER": str(info.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(info.get("password", "")),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
        "POSTGRES_POOL_SIZE": str(threads),
        "POSTGRES_MAX_OVERFLOW": "0",
        "CREATE_TABLE": "y",
    }


def appends_per_second(
    database_url: str, seconds: float = 5.0, threads: int = 8
) -> dict[str, float]:
    """Saves new aggregates from `threads` threads for `seconds`."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    app = Baseline(_env(database_url, threads))
    description = "Calcul quantique photonique pour l'optimisation logistique. " * 2
    app.save(Dot("warm-up", "000000018", description, {}))
    counts = [0] * threads
    barrier = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def work(k: int) -> None:
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            app.save(Dot(f"Dot {k}", "000000018", description,
                         {"userId": f"u{k}", "role": "STARTUP", "correlationId": "bench"}))
            counts[k] += 1

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for worker in workers:
        worker.start()
    cpu = CpuWindow(os.getpid())
    cpu.start()
    stop_at[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    cpu.stop()
    app.close()
    appended = sum(counts)
    ms = cpu.ms_per(appended)
    return {"raw_appends_per_s": appended / elapsed, "raw_appends": float(appended),
            "raw_threads": float(threads),
            "raw_client_cpu_ms_per_append": ms.get("server", 0.0),
            "raw_postgresql_cpu_ms_per_append": ms.get("postgresql", 0.0),
            "raw_machine_cpu_ms_per_append": ms.get("machine", 0.0)}
