"""`python -m bench.live_run`: the live bench alone, against a server of its
own on a fresh database (the demo loaded), optionally profiled with py-spy.

    python -m bench.live_run                       # figures as JSON
    python -m bench.live_run --py-spy /tmp/live.txt  # + collapsed stacks (--gil)
BENCH_LIVE_SUBSCRIBERS, BENCH_LIVE_RATE, BENCH_LIVE_WRITES, BENCH_LIVE_CLIENTS
override the bench's defaults."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click

from bench import b_live, modules
from bench.system import bench_settings, fresh_database, running_server, token


@contextlib.contextmanager
def _profiled(pid: int, out: str | None) -> Iterator[subprocess.Popen[bytes] | None]:
    """py-spy on the server (GIL-holding samples, collapsed stacks) while inside."""
    if not out:
        yield None
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    process = subprocess.Popen([spy, "record", "--gil", "-r", "200", "-p", str(pid),
                                "-f", "raw", "-o", out], stdout=subprocess.DEVNULL)
    try:
        yield process
    finally:
        process.send_signal(2)
        process.wait(timeout=60)


@click.command()
@click.option("--py-spy", "spy_out", default=None, help="Profile the server into this file.")
@click.option("--server-env", multiple=True, help="NAME=VALUE for the server (PASSERELLE_*).")
def main(spy_out: str | None, server_env: tuple[str, ...]) -> None:
    logs = Path(tempfile.mkdtemp(prefix="passerelle-live-"))
    extra: dict[str, str] = {}
    for item in server_env:
        name, _, value = item.partition("=")
        extra[name] = value
    with fresh_database(bench_settings()) as db, \
            running_server(db.url, logs / "server.log", env=extra) as server:
        ctx = modules.Context(server.url, db.url, token, server.process.pid)
        with _profiled(server.process.pid, spy_out):
            figures = asyncio.run(b_live.run_on(ctx))
    click.echo(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
