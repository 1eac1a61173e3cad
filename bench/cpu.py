"""Where the CPU goes during a measurement: the server's own process (HTTP,
with its command threads), its child processes (the projector), every
PostgreSQL process and the whole machine, read from /proc before and after.
Divided by the requests served, that is the CPU each request costs each part:
the figure that says which part sets a rate once the machine is busy."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat; 0 elsewhere)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        return busy_seconds(Path("/proc/stat").read_text().split("\n")[0])
    return 0.0


def cores(cgroup_cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> float:
    """The cores this process may use: those it may be scheduled on, or fewer
    when its cgroup (v2) has a CPU quota (`cpu.max`: quota and period in µs)."""
    allowed = float(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                    else os.cpu_count() or 1)
    with contextlib.suppress(OSError, ValueError):
        quota, period = cgroup_cpu_max.read_text().split()[:2]
        if quota != "max":
            return min(allowed, int(quota) / int(period))
    return allowed


def busy_seconds(cpu_line: str) -> float:
    """From /proc/stat's `cpu` line: user, nice, system, irq and softirq. Not
    idle or iowait (waiting), not steal (the hypervisor gave the time to
    another guest: not this machine's work), and not guest or guest_nice
    (time this machine's own guests ran, already counted in user and nice)."""
    user, nice, system, _idle, _iowait, irq, softirq = (
        int(x) for x in cpu_line.split()[1:8])
    return (user + nice + system + irq + softirq) / _TICKS


def _processes() -> Iterator[tuple[int, int, str, float]]:
    """(pid, parent pid, command name, CPU seconds) of every process we may read."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = (entry / "stat").read_text()
            name = text[text.index("(") + 1:text.rindex(")")]
            fields = text.rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / _TICKS
            yield int(entry.name), int(fields[1]), name, cpu


Snapshot = dict[int, tuple[str, float]]  # pid: (part, CPU seconds so far)


def _snapshot(server_pid: int) -> Snapshot:
    """The CPU seconds so far of every process of each part."""
    rows = list(_processes())
    children = {server_pid}
    grew = True
    while grew:  # descendants, however deep
        found = {pid for pid, ppid, _n, _c in rows if ppid in children} - children
        children |= found
        grew = bool(found)
    parts: Snapshot = {}
    for pid, _ppid, name, cpu in rows:
        if pid == server_pid:
            parts[pid] = ("server", cpu)
        elif pid in children:
            parts[pid] = ("server_children", cpu)
        elif name == "postgres":
            parts[pid] = ("postgresql", cpu)
    return parts


def _used(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """Per part, what its processes used in between: compared process by process,
    since connections come and go (one that ended in between is not counted)."""
    used = {"server": 0.0, "server_children": 0.0, "postgresql": 0.0}
    for pid, (part, cpu) in after.items():
        earlier = before.get(pid)
        used[part] += cpu - (earlier[1] if earlier and earlier[0] == part else 0.0)
    return used


@dataclass
class CpuWindow:
    """CPU seconds of each part, and of the machine, between `start` and `stop`."""

    server_pid: int
    before: Snapshot = field(default_factory=dict)
    machine_before: float = 0.0
    used: dict[str, float] = field(default_factory=dict)

    def start(self) -> None:
        self.before, self.machine_before = _snapshot(self.server_pid), machine_busy_seconds()

    def stop(self) -> None:
        self.used = _used(self.before, _snapshot(self.server_pid))
        self.used["machine"] = machine_busy_seconds() - self.machine_before

    def ms_per(self, requests: float) -> dict[str, float]:
        """Milliseconds of CPU per request, by part."""
        return {part: 1000 * seconds / requests for part, seconds in self.used.items()} \
            if requests else {}
