"""bench/report.json and the table printed at the end: the figures, their ratios
to the raw append rate and to the targets of issues 2 and 9, and the machine."""

from __future__ import annotations

import os
import platform
import sys
from collections import defaultdict
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psycopg

# Targets on the 2-core machine: issue 2 (the foundation) and issue 9
# (performance: against PostGraphile, against the store, replay, time travel, live).
# (figure or ratio, comparison, goal)
TARGETS: dict[str, tuple[str, float]] = {
    "mutations_vs_raw_appends": (">=", 0.5),
    "query_single_cached_vs_postgraphile": (">=", 1.0),
    "query_page20_cached_vs_postgraphile": (">=", 1.0),
    "query_single_cached_rps": (">=", 1500.0),
    "query_page20_cached_rps": (">=", 400.0),
    "b_replay.replay_all_events_per_s": (">=", 50_000.0),
    "b_audit.timetravel_ratio_5000_vs_50": ("<=", 3.0),
    "b_live.latency_p99_ms": ("<=", 50.0),
    "b_live.memory_per_idle_subscriber_kb": ("<=", 50.0),
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
    out: dict[str, float] = {}
    if figures.get("mutations_vs_raw_appends") is not None:
        out["mutations_vs_raw_appends"] = figures["mutations_vs_raw_appends"]
    for query in ("query_single", "query_page20"):
        ours, uncached = figures.get(f"{query}_cached_rps"), figures.get(f"{query}_uncached_rps")
        peer = figures.get(f"{query}_postgraphile_rps")
        if ours and peer:
            out[f"{query}_cached_vs_postgraphile"] = ours / peer
        if uncached and peer:
            out[f"{query}_uncached_vs_postgraphile"] = uncached / peer
        if ours and uncached:
            out[f"{query}_cached_vs_uncached"] = ours / uncached
    return out


def _lookup(name: str, figures: dict[str, float], ratio: dict[str, float],
            modules: dict[str, Any]) -> float | None:
    if "." in name:
        module, key = name.split(".", 1)
        value = modules.get(module, {}).get(key)
        return float(value) if isinstance(value, int | float) else None
    return ratio.get(name, figures.get(name))


def targets(figures: dict[str, float], ratio: dict[str, float],
            modules: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for name, (op, goal) in TARGETS.items():
        measured = _lookup(name, figures, ratio, modules)
        met = None if measured is None else (measured >= goal if op == ">=" else measured <= goal)
        out[name] = {"target": f"{op} {goal:g}", "measured": measured, "met": met}
    return out


def build(figures: dict[str, float], runs: dict[str, Any], modules: dict[str, Any],
          machine_info: dict[str, Any], method: dict[str, Any], seconds: float,
          peer: dict[str, Any] | None = None) -> dict[str, Any]:
    ratio = ratios(figures)
    machine_info["load_average_at_end"] = list(os.getloadavg())
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_seconds": round(seconds, 1),
        "figures": figures, "ratios": ratio, "targets": targets(figures, ratio, modules),
        "peer": peer or {}, "runs": runs, "modules": modules, "machine": machine_info,
        "method": method,
    }


def table(report: dict[str, Any]) -> str:
    """The report as a fixed-width table."""
    goals = {name: t["target"] for name, t in report["targets"].items()}
    rows = [("figure", "value", "target")]
    for name, value in report["figures"].items():
        if name not in report["ratios"]:  # a median ratio is shown with the ratios
            rows.append((name, f"{value:,.1f}", goals.get(name, "")))
    for name, value in report["ratios"].items():
        rows.append((name, f"{value:.2f}", goals.get(name, "")))
    for module, figures in report["modules"].items():
        for name, value in figures.items():
            shown = value if isinstance(value, str) else f"{value:,.2f}"
            rows.append((f"{module}.{name}", shown, goals.get(f"{module}.{name}", "")))
    width = [max(len(str(r[i])) for r in rows) for i in range(3)]
    lines = [f"{a:<{width[0]}}  {b:>{width[1]}}  {c}" for a, b, c in rows]
    lines.insert(1, "-" * (sum(width) + 4))
    verdicts = {True: "met", False: "MISSED", None: "not measured"}
    met = [f"{k}: {verdicts[v['met']]}" for k, v in report["targets"].items()]
    peer = report.get("peer") or {}
    notes = [f"peer: PostGraphile not measured ({peer['unavailable']})"] \
        if peer.get("unavailable") else []
    load = report["machine"].get("load_average_at_start"), report["machine"].get(
        "load_average_at_end")
    notes.append(f"load average at start {load[0][0]:.2f}, at end {load[1][0]:.2f} "
                 f"on {report['machine'].get('cpus')} cpus" if load[0] and load[1] else "")
    return "\n".join([*lines, "", "targets: " + ", ".join(met), *notes])


def markdown(report: dict[str, Any]) -> str:
    """The headline figures as a Markdown table (docs/performance.md)."""
    f, r = report["figures"], report["ratios"]
    modules = report.get("modules", {})

    def fig(name: str, fmt: str = ",.0f") -> str:
        value = f.get(name)
        return format(value, fmt) if isinstance(value, int | float) else "—"

    def mod(module: str, name: str, fmt: str = ",.0f") -> str:
        value = modules.get(module, {}).get(name)
        return format(value, fmt) if isinstance(value, int | float) else "—"

    def ratio(name: str) -> str:
        return f"{r[name]:.2f}" if name in r else "—"

    verdict = {True: "met", False: "**missed**", None: "not measured"}
    # An older report may lack a target added since: it reads "not measured".
    t = defaultdict(lambda: verdict[None],
                    {k: verdict[v["met"]] for k, v in report["targets"].items()})
    rows = [
        "| figure | Passerelle | PostGraphile 5.1.5 | ratio | target | |",
        "|---|---:|---:|---:|---|---|",
        f"| `startup(id:)` req/s, response cache on | {fig('query_single_cached_rps')} | "
        f"{fig('query_single_postgraphile_rps')} | {ratio('query_single_cached_vs_postgraphile')}"
        f" | ≥ 1 | {t['query_single_cached_vs_postgraphile']} |",
        f"| 20-startup page req/s, response cache on | {fig('query_page20_cached_rps')} | "
        f"{fig('query_page20_postgraphile_rps')} | {ratio('query_page20_cached_vs_postgraphile')}"
        f" | ≥ 1 | {t['query_page20_cached_vs_postgraphile']} |",
        f"| `startup(id:)` req/s, response cache off | {fig('query_single_uncached_rps')} | "
        f"{fig('query_single_postgraphile_rps')} | "
        f"{ratio('query_single_uncached_vs_postgraphile')} | | |",
        f"| 20-startup page req/s, response cache off | {fig('query_page20_uncached_rps')} | "
        f"{fig('query_page20_postgraphile_rps')} | "
        f"{ratio('query_page20_uncached_vs_postgraphile')} | | |",
        f"| `registerStartup`/s over HTTP, 16 clients (p95 {fig('mutations_p95_ms')} ms) | "
        f"{fig('mutations_per_s')} | raw appends: {fig('raw_appends_per_s')}/s | "
        f"{ratio('mutations_vs_raw_appends')} | ≥ 0.5 | {t['mutations_vs_raw_appends']} |",
        f"| CPU per mutation, ms: HTTP process {fig('mutation_cpu_ms_server', '.2f')}, "
        f"projector {fig('mutation_cpu_ms_server_children', '.2f')}, PostgreSQL "
        f"{fig('mutation_cpu_ms_postgresql', '.2f')}; machine, load generator included | "
        f"{fig('mutation_cpu_ms_machine', '.2f')} | | | | |",
        f"| replay of every projection, entries/s ({mod('b_replay', 'replay_all_events')} "
        f"generated; RSS growth after the first tenth "
        f"{mod('b_replay', 'replay_all_rss_growth_after_first_tenth_mb', '.1f')} MB) | "
        f"{mod('b_replay', 'replay_all_events_per_s')} | | | ≥ 50,000 | "
        f"{t['b_replay.replay_all_events_per_s']} |",
        f"| `projections rebuild organisations`, entries/s | "
        f"{mod('b_replay', 'rebuild_organisations_events_per_s')} | | | | |",
        f"| time travel: 5,000-event stream / 50-event one "
        f"({mod('b_audit', 'timetravel_5000_ms', '.1f')} ms / "
        f"{mod('b_audit', 'timetravel_50_ms', '.1f')} ms) | "
        f"{mod('b_audit', 'timetravel_ratio_5000_vs_50', '.2f')} | | | ≤ 3 | "
        f"{t['b_audit.timetravel_ratio_5000_vs_50']} |",
        f"| live: commit → subscriber p99, {mod('b_live', 'subscribers')} subscribers (p50 "
        f"{mod('b_live', 'latency_p50_ms', '.0f')} ms) | "
        f"{mod('b_live', 'latency_p99_ms', '.0f')} ms | | | ≤ 50 ms, 1,000 subscribers | "
        f"{t['b_live.latency_p99_ms']} |",
        f"| live: server memory per idle subscriber (per connection "
        f"{mod('b_live', 'memory_per_connection_kb', '.1f')} KB) | "
        f"{mod('b_live', 'memory_per_idle_subscriber_kb', '.1f')} KB | | | ≤ 50 KB | "
        f"{t['b_live.memory_per_idle_subscriber_kb']} |",
        f"| `verify`, entries/s over HTTP | {mod('b_audit', 'verify_entries_per_s')} | | | | |",
    ]
    return "\n".join(rows)


def machine_markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    pg = m.get("postgresql", {})
    return (f"{m['cpus']} cpus ({m['cpu_model']}), {m['memory_gb']} GB, {m['platform']}; Python "
            f"{m['python']}; PostgreSQL {pg.get('server_version')} "
            f"({'embedded' if pg.get('embedded') else 'server'}, fsync {pg.get('fsync')}, "
            f"synchronous_commit {pg.get('synchronous_commit')}, shared_buffers "
            f"{pg.get('shared_buffers')}); node {report.get('peer', {}).get('node', '—')} for "
            f"PostGraphile. Load average {m['load_average_at_start'][0]:.2f} at the start, "
            f"{m['load_average_at_end'][0]:.2f} at the end; run of "
            f"{report['generated_at']}, {report['duration_seconds']:.0f} s.")


if __name__ == "__main__":
    import json
    import sys

    data = json.loads(Path(sys.argv[1] if len(sys.argv) > 1 else "bench/report.json").read_text())
    print(markdown(data), "", machine_markdown(data), sep="\n")
