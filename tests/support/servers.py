"""Real `server.py serve` processes for end-to-end tests, each on its own port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import TEST_JWT_SECRET

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One `server.py serve` process on its own port."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, PostgreSQL sees the connections drop."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def launch(database_url: str, **env: str) -> Server:
    """Starts a server (returns at once: `wait_ready` before use)."""
    port = free_port()
    base = {k: v for k, v in os.environ.items()
            if not k.upper().startswith("PASSERELLE_") and k.upper() != "DATABASE_URL"}
    settings = {"DATABASE_URL": database_url, "PASSERELLE_PORT": str(port),
                "PASSERELLE_DEMO": "0", "PASSERELLE_JWT_SECRET": TEST_JWT_SECRET,
                "PASSERELLE_RATE_LIMIT_PER_TOKEN": "0", "PASSERELLE_RATE_LIMIT_PER_IP": "0",
                "PASSERELLE_ACCESS_LOG": "false", "PASSERELLE_LOG_LEVEL": "WARNING"}
    log = Path(tempfile.mkstemp(prefix=f"passerelle-e2e-{port}-", suffix=".log")[1])
    process = subprocess.Popen(
        [sys.executable, "server.py", "serve"], cwd=REPO, env={**base, **settings, **env},
        stdout=log.open("wb"), stderr=subprocess.STDOUT)
    return Server(port, process, log)


@contextlib.contextmanager
def servers(database_url: str, count: int = 1, **env: str) -> Iterator[list[Server]]:
    started = [launch(database_url, **env) for _ in range(count)]
    try:
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()
            server.log.unlink(missing_ok=True)




@contextlib.contextmanager
def running(database_url: str, **env: str) -> Iterator[Server]:
    """One ready server, stopped (and its log removed) afterwards."""
    server = launch(database_url, **env)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
        server.log.unlink(missing_ok=True)
