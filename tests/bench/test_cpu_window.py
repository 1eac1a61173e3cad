"""The bench's CPU accounting (bench/cpu.py): the server's own process, its
descendants and the machine are told apart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.cpu import _TICKS, CpuWindow, _processes, busy_seconds, cores

# A parent that starts a child which burns CPU for a while, then waits for it.
BURN = ("import time\nend = time.process_time() + 3\n"
        "while time.process_time() < end: pass\n")
PARENT = (f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {BURN!r}])\n"
          "import time\ntime.sleep(0.2)\n")


def test_a_childs_cpu_counts_for_the_children_not_the_process_itself() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], start_new_session=True)
    try:
        _wait_for_a_child_burning(parent.pid)
        window = CpuWindow(parent.pid)
        window.start()
        time.sleep(0.5)
        window.stop()  # the child still runs: a finished one is not counted
    finally:
        os.killpg(parent.pid, signal.SIGKILL)  # the child too
        parent.wait(10)
    assert window.used["server_children"] >= 0.15
    assert window.used["server"] < window.used["server_children"]
    # /proc/stat and the child's /proc/<pid>/stat are read one after the other,
    # in ticks of 10 ms: the machine may show a few ticks less than the child.
    assert window.used["machine"] >= window.used["server_children"] - 0.05
    per = window.ms_per(10)
    assert per["server_children"] == 1000 * window.used["server_children"] / 10


def _wait_for_a_child_burning(pid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = [p for p, ppid, _name, cpu in _processes() if ppid == pid and cpu > 0.05]
        if children:
            return
        time.sleep(0.02)
    raise AssertionError("the child never started")


def test_no_requests_means_no_figure() -> None:
    window = CpuWindow(1)
    window.start()
    window.stop()
    assert window.ms_per(0) == {}


def test_processes_are_compared_one_by_one_so_one_that_ended_takes_nothing_away() -> None:
    from bench.cpu import _used

    before = {1: ("postgresql", 5.0), 2: ("postgresql", 1.0), 3: ("server", 2.0)}
    after = {2: ("postgresql", 1.5), 4: ("postgresql", 0.25), 3: ("server", 2.5)}
    assert _used(before, after) == {"server": 0.5, "server_children": 0.0, "postgresql": 0.75}


def test_the_machine_is_busy_with_its_own_work_only() -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice
    line = "cpu  1000 20 300 9000 400 5 75 600 100 0"
    # Neither waiting (idle, iowait), nor another guest's (steal), nor counted twice (guest).
    assert busy_seconds(line) == (1000 + 20 + 300 + 5 + 75) / _TICKS


def test_the_cores_are_those_of_the_cgroups_quota_when_it_has_one(tmp_path: Path) -> None:
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text("max 100000\n")
    unlimited = cores(cpu_max)
    assert unlimited == len(os.sched_getaffinity(0))
    cpu_max.write_text("50000 100000\n")
    assert cores(cpu_max) == min(0.5, unlimited)
    assert cores(tmp_path / "absent") == unlimited
