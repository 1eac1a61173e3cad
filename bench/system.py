"""The system under test: a fresh database (on DATABASE_URL's server or the
embedded one in PASSERELLE_DATA_DIR), and real `server.py serve` processes on
free ports, started and stopped by the bench."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

from infra.auth import issue_token
from infra.embedded import EmbeddedPostgres, url_with_database
from infra.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
BENCH_JWT_SECRET = "passerelle-bench-secret-" + secrets.token_hex(8)


@dataclass
class Database:
    url: str
    admin_url: str
    name: str
    embedded: bool


@contextlib.contextmanager
def fresh_database(settings: Settings) -> Iterator[Database]:
    """A new, empty database for this run, dropped afterwards."""
    with contextlib.ExitStack() as stack:
        if settings.database_url:
            admin, embedded = settings.database_url, False
        else:
            server = stack.enter_context(EmbeddedPostgres(settings.data_dir))
            admin, embedded = server.admin_url, True
        with sibling_database(admin, embedded) as db:
            yield db


@contextlib.contextmanager
def sibling_database(admin: str, embedded: bool = False) -> Iterator[Database]:
    """A new, empty database on the server of `admin` (any database URL there),
    dropped afterwards."""
    name = f"passerelle_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield Database(url_with_database(admin, name), admin, name, embedded)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                         .format(sql.Identifier(name)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One `server.py serve` process."""

    process: subprocess.Popen[bytes]
    port: int
    url: str  # the GraphQL endpoint

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def server_env(database_url: str, port: int, **extra: str) -> dict[str, str]:
    """The server's environment: the real defaults, except what a load test
    must not measure (rate limits, per-request log lines)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PASSERELLE_")}
    env.update({
        "DATABASE_URL": database_url, "PASSERELLE_HOST": "127.0.0.1",
        "PASSERELLE_PORT": str(port), "PASSERELLE_JWT_SECRET": BENCH_JWT_SECRET,
        "PASSERELLE_DEMO": "1", "PASSERELLE_RATE_LIMIT_PER_TOKEN": "0",
        "PASSERELLE_RATE_LIMIT_PER_IP": "0", "PASSERELLE_ACCESS_LOG": "0",
        "PASSERELLE_LOG_LEVEL": "WARNING", **extra,
    })
    return env


@contextlib.contextmanager
def running_server(database_url: str, log: Path, timeout: float = 120.0,
                   env: dict[str, str] | None = None, **extra: str) -> Iterator[Server]:
    """Starts the server (which migrates and loads the demo into an empty
    database) and waits until /readyz answers 200."""
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "server.py"), "serve"], cwd=ROOT,
            env=server_env(database_url, port, **(env or {}), **extra), stdout=out,
            stderr=subprocess.STDOUT)
    server = Server(process, port, f"http://127.0.0.1:{port}/graphql")
    try:
        _wait_ready(server, timeout, log)
        yield server
    finally:
        server.stop()


def _wait_ready(server: Server, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited; see {log}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{server.port}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"the server was not ready within {timeout:.0f}s; see {log}")


def bench_settings() -> Settings:
    return load_settings()


def token(sub: str, role: str, orgs: list[str] | tuple[str, ...] = ()) -> str:
    """A bearer token the bench's servers accept."""
    settings = Settings(jwt_secret=BENCH_JWT_SECRET, database_url="postgresql://unused")
    return issue_token(settings, sub=sub, role=role, orgs=orgs, ttl_seconds=3600)
