"""Extra benchmarks: every bench/b_*.py with `async def run(ctx) -> dict[str,
float]`, run against the bench's server; their figures join the report under
the module's name, and a failure is recorded instead of stopping the bench.
A module may start a server of its own (`ctx.server_env` are the runner's
settings for it), as b_live does to measure a heap nothing else has grown."""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("bench")

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Context:
    """What a bench module gets: the GraphQL endpoint of a running server with
    demo data, a token factory its server accepts, the database's URL, and the
    server's process id when the runner knows it (for /proc figures)."""

    url: str
    database_url: str
    make_token: Callable[..., str]
    server_pid: int | None = None
    server_env: dict[str, str] = field(default_factory=dict)  # the runner's --server-env

    def token(self, sub: str, role: str, orgs: list[str] | tuple[str, ...] = ()) -> str:
        return self.make_token(sub, role, orgs)


def discover(only: list[str] | None = None) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("b_*.py"))
    return [n for n in names if only is None or n in only]


async def run_one(name: str, ctx: Context, timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        module = importlib.import_module(f"bench.{name}")
        figures = await asyncio.wait_for(module.run(ctx), timeout)
        result: dict[str, Any] = {k: float(v) for k, v in figures.items()}
    except TimeoutError:
        result = {"error": f"did not finish within {timeout:.0f}s"}
    except Exception as exc:  # a broken module must not sink the whole bench
        log.warning("bench module %s failed:\n%s", name, traceback.format_exc())
        result = {"error": f"{type(exc).__name__}: {exc}"}
    result["seconds"] = time.perf_counter() - started
    return result


async def run_all(ctx: Context, names: list[str], timeout: float) -> dict[str, dict[str, Any]]:
    results = {}
    for name in names:
        log.info("bench module %s", name)
        results[name] = await run_one(name, ctx, timeout)
    return results
