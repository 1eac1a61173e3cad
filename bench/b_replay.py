"""Bench: rebuilding every projection from a generated ledger (bench/replay.py),
in a process of its own so that its peak RSS is its own.

Run by the bench runner (`make bench`). The ledger is generated in a fresh
database on the same PostgreSQL server (the bench's server is left alone).
REPLAY_EVENTS keeps `make bench` within its few minutes; the full-size figure
comes from `python -m bench.replay --events 1000000`.

Target (issue 9): `replay_all_events_per_s` >= 50,000 with constant memory."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from bench.system import ROOT

REPLAY_EVENTS = int(os.environ.get("BENCH_REPLAY_EVENTS", "60000"))


async def run(ctx: Any) -> dict[str, float]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.replay", "--events", str(REPLAY_EVENTS), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"bench.replay exited with {process.returncode}")
    figures: dict[str, float] = json.loads(out.decode().strip().splitlines()[-1])
    return figures
