"""What the live bench reads about processes: the server's pid (given by the
runner), its resident memory and CPU time from /proc, and the client processes
it drives."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import orjson

from bench.system import ROOT

_TICKS = os.sysconf("SC_CLK_TCK")


def server_pid(ctx: Any) -> int | None:
    """The HTTP process of the server under test (both runners pass it)."""
    pid = getattr(ctx, "server_pid", None)
    return int(pid) if pid else None


def rss_kb(pid: int) -> int:
    """VmRSS of `pid`, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise ValueError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


class ClientProcess:
    """A `bench.live_client` process: its sockets, one command at a time."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, spec: dict[str, Any]) -> ClientProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.live_client", cwd=ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**27)
        assert process.stdin is not None
        process.stdin.write(orjson.dumps(spec) + b"\n")
        return cls(process)

    async def answer(self, timeout: float = 90.0) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"live client exited ({await self.process.wait()})")
        result: dict[str, Any] = orjson.loads(line)
        return result

    async def ask(self, command: str, timeout: float = 90.0) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command.encode() + b"\n")
        await self.process.stdin.drain()
        return await self.answer(timeout)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()


async def ask_all(clients: list[ClientProcess], command: str,
                  timeout: float = 90.0) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(c.ask(command, timeout) for c in clients)))
