"""/metrics across the HTTP worker processes (PASSERELLE_WORKERS > 1).

With several workers on one port, a scrape reaches whichever worker accepts
it. prometheus_client's multiprocess mode makes the answer the same from any
of them: each worker writes its samples to memory-mapped files in one
directory, and the answering worker reads them all. The library picks that
mode when it is imported, from PROMETHEUS_MULTIPROC_DIR, so `serve` sets the
variable to a fresh directory before it starts the workers, and removes the
directory when they are gone (a stale one would add old counts to new ones).

How each metric is combined is its own declaration (infra/observability.py):
counters and histograms are summed over every worker since the start, dead
ones included, so they never go back; a gauge says whether it is summed over
the live workers, taken from the one that set it last, or given per worker."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

ENVIRONMENT = "PROMETHEUS_MULTIPROC_DIR"


@contextlib.contextmanager
def shared_across_workers() -> Iterator[str]:
    """While inside, processes started from here share their metrics."""
    directory = tempfile.mkdtemp(prefix="passerelle-metrics-")
    previous = os.environ.get(ENVIRONMENT)
    os.environ[ENVIRONMENT] = directory
    try:
        yield directory
    finally:
        if previous is None:
            os.environ.pop(ENVIRONMENT, None)
        else:
            os.environ[ENVIRONMENT] = previous
        shutil.rmtree(directory, ignore_errors=True)


def exposition(registry: CollectorRegistry) -> bytes:
    """The text a scrape gets: this process's registry, or every worker's."""
    directory = os.environ.get(ENVIRONMENT)
    if not directory:
        return generate_latest(registry)
    forget_dead_workers(directory)
    merged = CollectorRegistry()
    MultiProcessCollector(merged, path=directory)
    return generate_latest(merged)


def forget_dead_workers(directory: str) -> None:
    """Drops the live gauges of workers that are gone. A worker killed
    outright (uvicorn starts another) never says so itself, and its last
    subscriber count would be added to the others' for ever."""
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _running(int(pid)):
            mark_process_dead(int(pid), directory)


def _running(pid: int) -> bool:
    """Whether the process exists (uvicorn reaps a dead worker as it replaces it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's: the pid was reused, ours is gone
        return False
    return True
