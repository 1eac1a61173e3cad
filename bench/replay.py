"""Replay: how fast every projection is rebuilt from a large ledger, and in how
much memory.

    python -m bench.replay --events 200000      # prints the figures as JSON

1. A fresh database (on DATABASE_URL's server, else the embedded one) gets the
   migrations and a generated ledger: the demo's worlds (every stream type:
   organisations, solutions, calls, applications, agreements, orders, loans,
   content), copied with fresh ids until `--events` entries, with valid hash
   chains, written with COPY (the generator is not what is measured).
2. `read_only` (bench/replay_read.py): the fill's reader alone, every entry
   read and decoded once and nothing written: the least any replay does.
3. `replay_all`: every projection of every slice rebuilt from position 0
   together, blue/green, by `projections.rebuild.rebuild_many` (what `projections
   rebuild` runs for one): one reader decodes each batch of 5,000 entries once
   for four lanes (connections) that fill unlogged private tables without
   their search vectors and secondary indexes; then vectors and indexes are
   built once (two tables at a time) and the tables swapped in. A progress bar
   on stderr; the RSS of this process sampled at every tenth of the way; the
   seconds of each phase and of each table's finish; the CPU seconds of this
   process and of the whole machine.
4. `rebuild_organisations`: the real blue/green command
   (`projections.rebuild.rebuild`, what `server.py projections rebuild
   organisations` runs) on the same ledger.

Run in its own process by bench/b_replay.py, so its peak RSS is its own."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import resource
import secrets
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import click
import psycopg
from psycopg import sql
from tqdm import tqdm  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # pragma: no cover - `python bench/replay.py`
    sys.path.insert(0, str(ROOT))

from bench.cpu import machine_busy_seconds  # noqa: E402
from bench.replay_read import read_only  # noqa: E402
from infra.chain import StoredEntry, ledger_hash, stream_hash  # noqa: E402
from infra.embedded import EmbeddedPostgres, url_with_database  # noqa: E402
from infra.migrate import apply_migrations  # noqa: E402
from infra.settings import load_settings  # noqa: E402

COLUMNS = ("originator_id", "originator_version", "topic", "state", "notification_id",
           "stream_type", "event_type", "occurred_at", "hash", "previous_hash", "ledger_hash")
# What-if bodies of passerelle_tsv (migration 0008: French and English stemmers
# over the accent-folded text), to measure what a change of search
# configuration would buy the replay (docs/performance.md). Bench only: the
# served vectors are migration 0008's.
SEARCH_VECTORS = {
    "current": None,
    "french": "to_tsvector('french', passerelle_unaccent(coalesce(t, '')))",
    "simple": "to_tsvector('simple', passerelle_unaccent(coalesce(t, '')))",
    "none": "''::tsvector",
}
UUIDS = re.compile(rb"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


def rss_mb() -> float:
    """Current resident set size of this process, in MB."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    settings = load_settings()
    name = f"passerelle_replay_{secrets.token_hex(4)}"
    with contextlib.ExitStack() as stack:
        if settings.database_url:
            admin = settings.database_url
        else:
            admin = stack.enter_context(EmbeddedPostgres(settings.data_dir)).admin_url
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield url_with_database(admin, name)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                             .format(sql.Identifier(name)))


def demo_ledger(database_url: str) -> list[tuple[Any, ...]]:
    """The demo's entries (loaded through the real write side into `database_url`)."""
    from server import _load_demo_if_empty

    settings = load_settings()
    asyncio.run(_load_demo_if_empty(settings.model_copy(update={"demo": True}), database_url))
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT originator_id, originator_version, topic, state, stream_type, event_type,"
            " occurred_at FROM ledger_events ORDER BY notification_id").fetchall()
        conn.execute("TRUNCATE ledger_events, ledger_snapshots")
        for table in _read_model_tables(conn):
            conn.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(table)))
        conn.execute("UPDATE projection_tracking SET position = 0")
        conn.commit()
    return rows


def _read_model_tables(conn: psycopg.Connection[Any]) -> list[str]:
    from server import projections as all_projections
    from wiring.slices import all_slices

    return [t for p in all_projections(all_slices()) for t in p.tables]


def _remapped(template: list[tuple[Any, ...]], copy: int) -> Iterator[tuple[Any, ...]]:
    """The demo world number `copy`: every uuid (hyphenated or hex) replaced by
    one of its own, consistently, so references between streams still hold."""
    salt = (copy * 0x9E3779B97F4A7C15) & ((1 << 64) - 1)

    def fresh(match: re.Match[bytes]) -> bytes:
        text = match.group(0)
        new = UUID(int=UUID(text.decode()).int ^ salt)
        return str(new).encode() if b"-" in text else new.hex.encode()

    for stream, version, topic, state, stream_type, event_type, occurred in template:
        yield (UUID(int=stream.int ^ salt), version, topic, UUIDS.sub(fresh, bytes(state)),
               stream_type, event_type, occurred + timedelta(seconds=copy))


def use_search_vectors(database_url: str, variant: str) -> None:
    """Replaces passerelle_tsv's body with SEARCH_VECTORS[variant] (same signature)."""
    body = SEARCH_VECTORS[variant]
    if body is None:
        return
    with psycopg.connect(database_url) as conn:
        conn.execute(sql.SQL(  # the body is one of SEARCH_VECTORS' constants
            "CREATE OR REPLACE FUNCTION passerelle_tsv(t text) RETURNS tsvector"
            " LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $f$ BEGIN RETURN {}; END $f$"
        ).format(sql.SQL(body)))


def generate(database_url: str, events: int) -> int:
    """Writes `events` entries (whole demo worlds, cut at `events`) with COPY."""
    template = demo_ledger(database_url)
    streams: dict[UUID, bytes] = {}
    head: bytes | None = None
    position = 0
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY ledger_events ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for world in range(events // max(1, len(template)) + 1):
                for stream, version, topic, state, stype, etype, occurred in _remapped(
                        template, world):
                    if position >= events:
                        break
                    position += 1
                    previous = streams.get(stream)
                    entry = StoredEntry(position, stream, version, occurred, topic, state,
                                        b"", previous, b"")
                    h = stream_hash(previous, entry)
                    head = ledger_hash(head, position, h)
                    streams[stream] = h
                    copy.write_row((stream, version, topic, state, position, stype, etype,
                                    occurred, h, previous, head))
        conn.commit()
        conn.execute("ANALYZE ledger_events")
    return position


async def replay_all(database_url: str, batch_size: int = 5000) -> dict[str, float]:
    """Every projection rebuilt from 0 together, blue/green, the way
    `projections.rebuild.rebuild_many` does it: filled in private schemas, their
    vectors and indexes built, then swapped in."""
    from projections.rebuild import rebuild_many
    from server import projections as all_projections
    from wiring.slices import all_slices

    chosen = all_projections(all_slices())
    spent = {p.name: _timed(p) for p in chosen}
    samples: list[float] = [rss_mb()]
    phases: dict[str, float] = {}
    with tqdm(unit=" entries", desc="replay", file=sys.stderr, mininterval=0.5) as bar:
        mark = [0.0]

        def progress(position: int, head: int) -> None:
            bar.total = head
            bar.update(position - bar.n)
            if position >= mark[0] + head / 10:  # RSS at every tenth of the way
                samples.append(rss_mb())
                mark[0] = position - position % (head / 10)

        started, cpu, busy = time.perf_counter(), _cpu_seconds(), machine_busy_seconds()
        positions = await rebuild_many(database_url, chosen, progress,
                                       batch_size=batch_size, phases=phases)
        elapsed = time.perf_counter() - started
        cpu, busy = _cpu_seconds() - cpu, machine_busy_seconds() - busy
    samples.append(rss_mb())
    print("rss at each tenth (MB):", " ".join(f"{m:.1f}" for m in samples), file=sys.stderr)
    head = float(max(positions.values()))
    return {"replay_all_events": head, "replay_all_projections": float(len(chosen)),
            "replay_all_seconds": elapsed, "replay_all_events_per_s": head / elapsed,
            # CPU seconds of this process, and of the whole machine (PostgreSQL,
            # and whatever else runs there), over the replay.
            "replay_all_python_cpu_seconds": cpu, "replay_all_machine_cpu_seconds": busy,
            **{f"replay_all_{name}_seconds": seconds for name, seconds in phases.items()},
            "replay_all_rss_first_tenth_mb": samples[1] if len(samples) > 1 else samples[0],
            "replay_all_rss_last_mb": samples[-1], "replay_all_rss_max_mb": max(samples),
            "replay_all_rss_growth_after_first_tenth_mb": samples[-1] - samples[
                1 if len(samples) > 1 else 0],
            # Where the time goes: each projection's apply (its SQL included;
            # the lanes run concurrently, so these overlap).
            **{f"replay_apply_seconds_{name}": seconds[0] for name, seconds in spent.items()}}


def _timed(projection: Any) -> list[float]:
    """Wraps the projection's apply to add up its wall time."""
    spent = [0.0]
    apply = projection.apply

    async def timed(conn: Any, entries: Any) -> None:
        started = time.perf_counter()
        try:
            await apply(conn, entries)
        finally:
            spent[0] += time.perf_counter() - started

    projection.apply = timed
    return spent


async def rebuild_one(database_url: str, name: str) -> dict[str, float]:
    """The blue/green `projections rebuild NAME` on the same ledger."""
    from projections.rebuild import rebuild
    from server import projections as all_projections
    from wiring.slices import all_slices

    chosen = next(p for p in all_projections(all_slices()) if p.name == name)
    with tqdm(unit=" entries", desc=f"rebuild {name}", file=sys.stderr, mininterval=0.5) as bar:
        def progress(position: int, head: int) -> None:
            bar.total = head
            bar.update(position - bar.n)

        started = time.perf_counter()
        position = await rebuild(database_url, chosen, progress)
        elapsed = time.perf_counter() - started
    return {f"rebuild_{name}_events_per_s": position / elapsed, f"rebuild_{name}_seconds": elapsed}


def _run(coroutine: Any) -> Any:
    """On uvloop, as the server runs (asyncpg's protocol is much faster on it)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


@click.command()
@click.option("--events", default=100_000, show_default=True, help="Ledger entries generated.")
@click.option("--rebuild", "rebuild_name", default="organisations", show_default=True,
              help="The projection rebuilt blue/green after the full replay ('' for none).")
@click.option("--batch-size", default=5000, show_default=True)
@click.option("--search-vectors", type=click.Choice(list(SEARCH_VECTORS)), default="current",
              show_default=True, help="What-if search configuration (bench only): one "
              "stemmer, no stemmer, or empty vectors (the upper bound).")
def main(events: int, rebuild_name: str, batch_size: int, search_vectors: str) -> None:
    """Generate a ledger, replay every projection, print the figures as JSON."""
    figures: dict[str, float] = {}
    with fresh_database() as url:
        apply_migrations(url)
        use_search_vectors(url, search_vectors)
        started = time.perf_counter()
        figures["generated_events"] = float(generate(url, events))
        figures["generate_seconds"] = time.perf_counter() - started
        figures["rss_before_replay_mb"] = rss_mb()
        # The reader alone first: what every replay pays before any projection.
        figures.update(_run(read_only(url, batch_size)))
        figures.update(_run(replay_all(url, batch_size)))
        if rebuild_name:
            figures.update(_run(rebuild_one(url, rebuild_name)))
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    click.echo(json.dumps(figures))


if __name__ == "__main__":
    main()
