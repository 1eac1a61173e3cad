"""infra/shared_metrics.py: the directory the workers share their metrics
through, the live gauges of workers that are gone, and what a scrape gets."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from infra.shared_metrics import ENVIRONMENT, PREFIX, forget_dead_workers, shared_across_workers


def _gone_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_directory_is_set_for_the_workers_then_removed_and_the_setting_restored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = os.environ.get(ENVIRONMENT)
    with shared_across_workers() as directory:
        assert os.environ[ENVIRONMENT] == directory
        assert Path(directory).parent == tmp_path and Path(directory).is_dir()
    assert os.environ.get(ENVIRONMENT) == before
    assert not Path(directory).exists()


def test_directories_of_killed_servers_are_removed_and_running_ones_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    orphan = tmp_path / f"{PREFIX}{_gone_pid()}-x1"
    running = tmp_path / f"{PREFIX}{os.getppid()}-x2"
    for directory in (orphan, running):
        directory.mkdir()
    with shared_across_workers():
        assert not orphan.exists() and running.is_dir()


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


# A worker's process: its metrics created once the directory is set, as in
# uvicorn's spawned workers; `remove` then takes the directory from under it.
WORKER = """
import os, shutil, sys
from infra.observability import COMMANDS, REGISTRY
from infra.shared_metrics import exposition
COMMANDS.labels("registerStartup", "OK").inc()
print(exposition(REGISTRY).decode())
if sys.argv[1:] == ["remove"]:
    shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    print("--- removed")
    print(exposition(REGISTRY).decode())
"""
REPO = Path(__file__).resolve().parents[2]


def _worker(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-c", WORKER, *args], cwd=REPO, text=True,
                          env={**os.environ, ENVIRONMENT: str(directory)},
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    return done


def _registrations(text: str) -> list[str]:
    return [line for line in text.splitlines()
            if line.startswith('passerelle_commands_total{mutation="registerStartup"')]


def test_a_scrape_sums_every_workers_counts_and_falls_back_to_its_own_without_the_files(
        tmp_path: Path) -> None:
    first = _worker(tmp_path)
    second = _worker(tmp_path, "remove")

    ok = 'passerelle_commands_total{mutation="registerStartup",outcome="OK"}'
    assert _registrations(first.stdout) == [f"{ok} 1.0"]
    shared, alone = second.stdout.split("--- removed")
    assert _registrations(shared) == [f"{ok} 2.0"]  # the first one's count too
    assert _registrations(alone) == [f"{ok} 1.0"]
    assert "unreadable" in second.stderr
