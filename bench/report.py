"""bench/report.json and the table printed at the end: the figures, their ratios
to the raw append rate and to the targets of issue 2, and the machine."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psycopg

# Targets of the foundation issue, on the 2-core machine.
TARGETS = {
    "mutations_vs_raw_appends": 0.5,
    "query_single_rps": 1500.0,
    "query_page20_rps": 400.0,
}
LIBRARIES = ("eventsourcing", "strawberry-graphql", "graphql-core", "uvicorn", "starlette",
             "asyncpg", "psycopg", "uvloop", "httptools", "orjson")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _postgres(database_url: str) -> dict[str, Any]:
    with psycopg.connect(database_url) as conn:
        settings = {name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
                    for name in ("server_version", "fsync", "synchronous_commit",
                                 "shared_buffers", "max_connections")}
    return settings


def machine(database_url: str, embedded: bool) -> dict[str, Any]:
    return {
        "platform": platform.platform(), "python": sys.version.split()[0],
        "cpus": os.cpu_count(), "cpu_model": _cpu_model(), "memory_gb": _memory_gb(),
        "load_average_at_start": list(os.getloadavg()),
        "postgresql": {**_postgres(database_url), "embedded": embedded},
        "libraries": {name: version(name) for name in LIBRARIES},
    }


def ratios(figures: dict[str, float]) -> dict[str, float]:
    raw = figures.get("raw_appends_per_s") or 0.0
    out = {
        "mutations_vs_raw_appends": figures["mutations_per_s"] / raw if raw else 0.0,
        "query_single_vs_target": figures["query_single_rps"] / TARGETS["query_single_rps"],
        "query_page20_vs_target": figures["query_page20_rps"] / TARGETS["query_page20_rps"],
    }
    if figures.get("query_single_uncached_rps"):
        out["query_single_cached_vs_uncached"] = (
            figures["query_single_rps"] / figures["query_single_uncached_rps"])
    if figures.get("query_page20_uncached_rps"):
        out["query_page20_cached_vs_uncached"] = (
            figures["query_page20_rps"] / figures["query_page20_uncached_rps"])
    return out


def targets(figures: dict[str, float], ratio: dict[str, float]) -> dict[str, dict[str, Any]]:
    measured = {"mutations_vs_raw_appends": ratio["mutations_vs_raw_appends"],
                "query_single_rps": figures["query_single_rps"],
                "query_page20_rps": figures["query_page20_rps"]}
    return {name: {"target": goal, "measured": measured[name], "met": measured[name] >= goal}
            for name, goal in TARGETS.items()}


def build(figures: dict[str, float], runs: dict[str, Any], modules: dict[str, Any],
          machine_info: dict[str, Any], method: dict[str, Any], seconds: float) -> dict[str, Any]:
    ratio = ratios(figures)
    machine_info["load_average_at_end"] = list(os.getloadavg())
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_seconds": round(seconds, 1),
        "figures": figures, "ratios": ratio, "targets": targets(figures, ratio),
        "runs": runs, "modules": modules, "machine": machine_info, "method": method,
    }


def table(report: dict[str, Any]) -> str:
    """The report as a fixed-width table."""
    rows = [("figure", "value", "target")]
    goals = {"mutations_per_s": "", "query_single_rps": "≥ 1500", "query_page20_rps": "≥ 400"}
    for name, value in report["figures"].items():
        rows.append((name, f"{value:,.1f}", goals.get(name, "")))
    for name, value in report["ratios"].items():
        goal = "≥ 0.50" if name == "mutations_vs_raw_appends" else ""
        rows.append((name, f"{value:.2f}", goal))
    for module, figures in report["modules"].items():
        for name, value in figures.items():
            shown = value if isinstance(value, str) else f"{value:,.2f}"
            rows.append((f"{module}.{name}", shown, ""))
    width = [max(len(str(r[i])) for r in rows) for i in range(3)]
    lines = [f"{a:<{width[0]}}  {b:>{width[1]}}  {c}" for a, b, c in rows]
    lines.insert(1, "-" * (sum(width) + 4))
    met = [f"{k}: {'met' if v['met'] else 'MISSED'}" for k, v in report["targets"].items()]
    return "\n".join([*lines, "", "targets: " + ", ".join(met)])
