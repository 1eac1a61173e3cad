"""Isolated PostgreSQL databases for tests.

One server per test session: ``TEST_DATABASE_URL`` when set (any database on it that the
user may CREATE DATABASE from), otherwise an embedded pgserver in a temporary directory.
On it, one template database per session with the repository's migrations applied, and
one clone of that template per test (``CREATE DATABASE ... TEMPLATE``: ~15 ms on the
embedded server, where durability is switched off, ~50-100 ms on a stock server).

Dropping a test's database is handed to a background thread so that the next test does
not wait for it; `TemplateDatabases.close` waits for those drops and removes the template.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import psycopg
from psycopg import sql

from infra.embedded import EmbeddedPostgres, url_with_database
from infra.migrate import MIGRATIONS_DIR, apply_migrations

log = logging.getLogger(__name__)

# Settings for a throwaway test cluster only: a crash loses it anyway, so flushing to
# disk buys nothing and costs most of the time of CREATE/DROP DATABASE and of commits.
_THROWAWAY_SERVER_SETTINGS = {"fsync": "off", "full_page_writes": "off"}


@contextlib.contextmanager
def pg_scratch_dir() -> Iterator[Path]:
    """A temporary directory for an embedded server's data, removed afterwards.

    Not under pytest's ``tmp_path``: as root, pgserver runs PostgreSQL as the user
    ``pgserver`` and opens the directories above the data for it, but every pytest session
    that starts resets ``/tmp/pytest-of-root`` to mode 0700, which locks that user out of
    a cluster another session is still using (initdb then fails with "Permission denied").
    """
    path = Path(tempfile.mkdtemp(prefix="passerelle-pg-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def session_server(external_url: str | None) -> Iterator[str]:
    """Yield an admin URL: ``external_url`` as is, or that of a new embedded server."""
    if external_url:
        yield external_url
        return
    with pg_scratch_dir() as scratch, EmbeddedPostgres(scratch, cleanup_mode="delete") as server:
        _tune_throwaway_server(server.admin_url)
        yield server.admin_url


class TemplateDatabases:
    """Creates a migrated template database and cheap per-test clones of it."""

    def __init__(self, admin_url: str, migrations_dir: Path = MIGRATIONS_DIR) -> None:
        self.admin_url = admin_url
        self.migrations_dir = migrations_dir
        self.template_name = f"passerelle_tpl_{secrets.token_hex(4)}"
        self._strategy: sql.Composable = sql.SQL("")
        self._drops: list[Future[None]] = []
        self._dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-db-drop")
        self._lock = threading.Lock()

    @property
    def template_url(self) -> str:
        """URL of the template database. Do not keep a connection open on it: PostgreSQL
        refuses to clone a template that has sessions."""
        return url_with_database(self.admin_url, self.template_name)

    def create_template(self) -> list[str]:
        """Create the template database and migrate it; returns the migrations applied."""
        with self._admin() as conn:
            self._strategy = _clone_strategy(conn)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.template_name)))
        # apply_migrations closes its connection: the template is left without sessions.
        return apply_migrations(self.template_url, self.migrations_dir)

    def clone(self) -> tuple[str, str]:
        """Create a fresh database from the template; returns ``(name, url)``."""
        name = f"passerelle_test_{secrets.token_hex(6)}"
        with self._admin() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}{}").format(
                    sql.Identifier(name), sql.Identifier(self.template_name), self._strategy
                )
            )
        return name, url_with_database(self.admin_url, name)

    def drop_later(self, name: str) -> None:
        """Drop a clone in the background (terminating any session still on it)."""
        with self._lock:
            self._drops.append(self._dropper.submit(self._drop, name))

    def close(self) -> None:
        """Wait for pending drops, then drop the template."""
        with self._lock:
            drops, self._drops = self._drops, []
        for future in drops:
            future.result()
        self._dropper.shutdown(wait=True)
        self._drop(self.template_name)

    def _drop(self, name: str) -> None:
        try:
            with self._admin() as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        except psycopg.Error:
            # A leftover database on a shared server is untidy, not a test failure.
            log.warning("could not drop test database %s", name, exc_info=True)

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        # A new short-lived connection each time, so none lingers across a clone.
        return psycopg.connect(self.admin_url, autocommit=True)


def _clone_strategy(conn: psycopg.Connection[tuple[object, ...]]) -> sql.Composable:
    # FILE_COPY (PostgreSQL 15+) copies the small template's files directly instead of
    # WAL-logging every block: 2-3x faster to create and drop here. Older servers have
    # only that behaviour and do not know the option.
    if conn.info.server_version >= 150000:
        return sql.SQL(" STRATEGY FILE_COPY")
    return sql.SQL("")


def _tune_throwaway_server(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name, value in _THROWAWAY_SERVER_SETTINGS.items():
            conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), value))
        conn.execute("SELECT pg_reload_conf()")
