"""The embedded server: about 1 s for the first start in a directory, 0.15 s afterwards.

The tests share one data directory so that only the first start pays for initdb.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import psycopg
import pytest

from infra.embedded import EmbeddedPostgres, resolve_database_url, url_with_database
from infra.migrate import apply_migrations
from infra.settings import Settings
from tests.support.db import pg_scratch_dir

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    with pg_scratch_dir() as path:  # not tmp_path: see pg_scratch_dir
        yield path


def postmaster_running(data_dir: Path) -> bool:
    return (data_dir / "pg" / "postmaster.pid").exists()


async def asyncpg_database(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        return str(await conn.fetchval("SELECT current_database()"))
    finally:
        await conn.close()


def test_start_connect_stop_restart(data_dir: Path) -> None:
    with EmbeddedPostgres(data_dir) as pg:
        assert re.fullmatch(r"postgresql://postgres:@/passerelle\?host=/\S+", pg.url)
        assert pg.socket_dir.is_dir()
        with psycopg.connect(pg.url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (id int)")
            row = conn.execute("SELECT current_database()").fetchone()
            assert row == ("passerelle",)
        assert asyncio.run(asyncpg_database(pg.url)) == "passerelle"
        assert pg.startup_seconds is not None
    assert not postmaster_running(data_dir)

    # Second start reuses the cluster: the data is still there.
    with EmbeddedPostgres(data_dir) as pg:
        with psycopg.connect(pg.url) as conn:
            assert conn.execute("SELECT to_regclass('kept') IS NOT NULL").fetchone() == (True,)
        assert pg.startup_seconds is not None and pg.startup_seconds < 5
    assert not postmaster_running(data_dir)


def test_other_databases_and_migrations_over_the_socket(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "0001_t.sql").write_text("CREATE TABLE migrated (id int);\n")
    with EmbeddedPostgres(data_dir, database="other_db") as pg:
        assert pg.url.startswith("postgresql://postgres:@/other_db?host=")
        assert apply_migrations(pg.url, tmp_path) == ["0001_t"]
        assert apply_migrations(pg.url, tmp_path) == []
        assert asyncio.run(asyncpg_database(pg.url)) == "other_db"


def test_resolve_database_url_prefers_database_url(tmp_path: Path) -> None:
    settings = Settings(database_url="postgresql://postgres@127.0.0.1:5432/test", data_dir=tmp_path)
    url, keeper = resolve_database_url(settings)
    assert url == "postgresql://postgres@127.0.0.1:5432/test"
    assert isinstance(keeper, contextlib.nullcontext)
    assert not (tmp_path / "pg").exists()


def test_resolve_database_url_starts_embedded(data_dir: Path) -> None:
    url, keeper = resolve_database_url(Settings(database_url=None, data_dir=data_dir))
    with keeper:
        assert postmaster_running(data_dir)
        assert url.startswith("postgresql://postgres:@/passerelle?host=")
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    assert not postmaster_running(data_dir)


@pytest.mark.slow
def test_sigterm_stops_the_server(data_dir: Path) -> None:
    script = (
        "import sys, time\n"
        "from infra.embedded import EmbeddedPostgres\n"
        "with EmbeddedPostgres(sys.argv[1]):\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(data_dir)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        assert postmaster_running(data_dir)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 128 + signal.SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 5
    while postmaster_running(data_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not postmaster_running(data_dir)


def test_url_requires_a_running_server(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not running"):
        _ = EmbeddedPostgres(tmp_path).url


@pytest.mark.parametrize(
    ("url", "database", "expected"),
    [
        (
            "postgresql://postgres@127.0.0.1:5432/test",
            "x",
            "postgresql://postgres@127.0.0.1:5432/x",
        ),
        (
            "postgresql://postgres:@/passerelle?host=/tmp/a/pg",
            "y",
            "postgresql://postgres:@/y?host=/tmp/a/pg",
        ),
        (
            "postgresql://u@h/db?dbname=db&sslmode=disable",
            "z",
            "postgresql://u@h/z?sslmode=disable",
        ),
        ("postgresql://u@h", "w", "postgresql://u@h/w"),
    ],
)
def test_url_with_database(url: str, database: str, expected: str) -> None:
    assert url_with_database(url, database) == expected
