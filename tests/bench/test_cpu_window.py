"""The bench's CPU accounting (bench/cpu.py): the server's own process, its
descendants and the machine are told apart."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.cpu import CpuWindow

# A parent that starts a child which burns CPU for a while, then waits for it.
BURN = ("import time\nend = time.process_time() + 1.5\n"
        "while time.process_time() < end: pass\n")
PARENT = (f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {BURN!r}])\n"
          "import time\ntime.sleep(0.2)\n")


def test_a_childs_cpu_counts_for_the_children_not_the_process_itself() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT])
    try:
        time.sleep(0.2)  # the child is running
        window = CpuWindow(parent.pid)
        window.start()
        time.sleep(0.5)
        window.stop()  # the child still runs: a finished one is not counted
    finally:
        parent.wait(10)
    assert window.used["server_children"] >= 0.15
    assert window.used["server"] < window.used["server_children"]
    assert window.used["machine"] >= window.used["server_children"]
    per = window.ms_per(10)
    assert per["server_children"] == 1000 * window.used["server_children"] / 10


def test_no_requests_means_no_figure() -> None:
    window = CpuWindow(1)
    window.start()
    window.stop()
    assert window.ms_per(0) == {}
