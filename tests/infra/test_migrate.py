from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from infra.migrate import apply_migrations, yoyo_url

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    directory = tmp_path / "migrations"
    directory.mkdir()
    (directory / "0001_widgets.sql").write_text(
        "CREATE TABLE widget (id bigint PRIMARY KEY, name text NOT NULL);\n"
        "INSERT INTO widget VALUES (1, 'a; b');  -- a semicolon inside a literal\n"
    )
    (directory / "0002_function.sql").write_text(
        "-- depends: 0001_widgets\n"
        "CREATE FUNCTION widget_count() RETURNS bigint LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  RETURN (SELECT count(*) FROM widget);\nEND;\n$$;\n"
    )
    return directory


def scalar(url: str, query: str) -> object:
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
        assert row is not None
        return row[0]


def test_applies_once_then_nothing(database_url: str, migrations: Path) -> None:
    assert apply_migrations(database_url, migrations) == ["0001_widgets", "0002_function"]
    assert apply_migrations(database_url, migrations) == []
    assert scalar(database_url, "SELECT widget_count()") == 1
    assert scalar(database_url, "SELECT name FROM widget") == "a; b"


def test_applies_only_new_files(database_url: str, migrations: Path) -> None:
    apply_migrations(database_url, migrations)
    (migrations / "0003_more.sql").write_text("ALTER TABLE widget ADD COLUMN colour text;\n")
    assert apply_migrations(database_url, migrations) == ["0003_more"]


@pytest.mark.parametrize("kind", ["absent", "empty"])
def test_no_migration_files_is_fine(database_url: str, tmp_path: Path, kind: str) -> None:
    directory = tmp_path / "none"
    if kind == "empty":
        directory.mkdir()
    assert apply_migrations(database_url, directory) == []


def test_failed_migration_applies_nothing_of_itself(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "0001_ok.sql").write_text("CREATE TABLE ok (id int);\n")
    (tmp_path / "0002_broken.sql").write_text(
        "CREATE TABLE half (id int);\nSELECT no_such_function();\n"
    )
    with pytest.raises(psycopg.Error):
        apply_migrations(database_url, tmp_path)
    assert scalar(database_url, "SELECT to_regclass('ok') IS NOT NULL") is True
    assert scalar(database_url, "SELECT to_regclass('half') IS NULL") is True
    (tmp_path / "0002_broken.sql").write_text("CREATE TABLE half (id int);\n")
    assert apply_migrations(database_url, tmp_path) == ["0002_broken"]


def test_concurrent_migrators_apply_each_migration_once(database_url: str, tmp_path: Path) -> None:
    # Slow, non-idempotent migrations: any overlap would fail with "already exists".
    for i in range(1, 4):
        (tmp_path / f"000{i}_slow.sql").write_text(
            f"SELECT pg_sleep(0.3);\nCREATE TABLE slow_{i} (id int);\n"
        )
    script = (
        "import json, sys\n"
        "from infra.migrate import apply_migrations\n"
        "print(json.dumps(apply_migrations(sys.argv[1], sys.argv[2])))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, database_url, str(tmp_path)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    applied = sorted(mid for result in results for mid in result)
    assert applied == ["0001_slow", "0002_slow", "0003_slow"]


def test_stale_lock_of_a_killed_migrator_is_cleared(database_url: str, migrations: Path) -> None:
    apply_migrations(database_url, migrations)
    # What a migrator killed while holding yoyo's lock leaves behind.
    with psycopg.connect(database_url) as conn:
        conn.execute("INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, now(), 999999)")
    (migrations / "0003_after.sql").write_text("CREATE TABLE after_crash (id int);\n")
    started = time.monotonic()
    assert apply_migrations(database_url, migrations, lock_timeout=5) == ["0003_after"]
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        (
            "postgresql://postgres:@/db?host=/tmp/x",
            "postgresql+psycopg://postgres:@/db?host=/tmp/x",
        ),
    ],
)
def test_yoyo_url(url: str, expected: str) -> None:
    assert yoyo_url(url) == expected


@pytest.mark.parametrize("url", ["mysql://u@h/db", "host=/tmp dbname=x", ""])
def test_yoyo_url_refuses_non_postgres(url: str) -> None:
    with pytest.raises(ValueError):
        yoyo_url(url)
