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
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from infra.pids import pid_alive

ENVIRONMENT = "PROMETHEUS_MULTIPROC_DIR"
PREFIX = "passerelle-metrics-"  # then the pid of the `serve` that made it
log = logging.getLogger(__name__)


@contextlib.contextmanager
def shared_across_workers() -> Iterator[str]:
    """While inside, processes started from here share their metrics."""
    _remove_orphans(Path(tempfile.gettempdir()))
    directory = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")
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


def _remove_orphans(parent: Path) -> None:
    """Directories of `serve` processes that were killed before removing theirs."""
    for directory in parent.glob(f"{PREFIX}*-*"):
        owner = directory.name[len(PREFIX):].split("-", 1)[0]
        if owner.isdigit() and not pid_alive(int(owner)):
            shutil.rmtree(directory, ignore_errors=True)


def exposition(registry: CollectorRegistry) -> bytes:
    """The text a scrape gets: this process's registry, or every worker's.
    Decided by the mode this process's metrics were created in, which the
    environment fixed when prometheus_client was imported."""
    if not getattr(values.ValueClass, "_multiprocess", False):
        return generate_latest(registry)
    directory = os.environ[ENVIRONMENT]
    try:
        forget_dead_workers(directory)
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=directory)
        return generate_latest(merged)
    except (OSError, ValueError):  # the directory removed from under us
        log.exception("the workers' metrics directory %s is unreadable:"
                      " this worker's own metrics only", directory)
        return generate_latest(registry)


def forget_dead_workers(directory: str) -> None:
    """Drops the live gauges of workers that are gone. A worker killed
    outright (uvicorn reaps it and starts another) never says so itself, and
    its last subscriber count would be added to the others' for ever."""
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not pid_alive(int(pid)):
            mark_process_dead(int(pid), directory)
