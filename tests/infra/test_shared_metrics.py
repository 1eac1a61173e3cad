"""infra/shared_metrics.py: the directory the workers share their metrics
through, and the live gauges of workers that are gone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from infra.shared_metrics import ENVIRONMENT, forget_dead_workers, shared_across_workers


def test_the_directory_is_set_for_the_workers_then_removed_and_the_setting_restored() -> None:
    before = os.environ.get(ENVIRONMENT)
    with shared_across_workers() as directory:
        assert os.environ[ENVIRONMENT] == directory
        assert Path(directory).is_dir()
    assert os.environ.get(ENVIRONMENT) == before
    assert not Path(directory).exists()


def _gone_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_gone_workers_live_gauges_are_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    gone, running = _gone_pid(), os.getpid()
    files = [f"gauge_livesum_{gone}.db", f"gauge_livemostrecent_{gone}.db",
             f"gauge_livesum_{running}.db", f"counter_{gone}.db", f"gauge_all_{gone}.db"]
    for name in files:
        (tmp_path / name).write_bytes(b"")

    forget_dead_workers(str(tmp_path))

    # Counters and non-live gauges of a gone worker stay: totals never go back.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"gauge_livesum_{running}.db", f"counter_{gone}.db", f"gauge_all_{gone}.db"])
