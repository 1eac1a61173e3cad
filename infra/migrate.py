"""Schema migrations: the plain SQL files in ``migrations/``, applied with yoyo-migrations.

Files are named ``NNNN_name.sql`` and applied in name order, each in its own transaction;
yoyo's ``-- depends: 0001_ledger`` header comment declares an explicit dependency and
``-- transactional: false`` runs a file outside a transaction (CREATE INDEX
CONCURRENTLY). yoyo records what it applied in ``_yoyo_migration``, so reapplying is a
no-op, and a changed file is not reapplied: add a new file instead.

Concurrency: several processes may migrate the same database at once (many server
instances starting together). Each first takes a PostgreSQL session advisory lock, then
yoyo's own lock row, and computes what to apply only once it holds both, so exactly one
applies each migration and the others find nothing left to do. The advisory lock is
released by PostgreSQL when its holder dies, so a migrator that was killed cannot leave
the database locked: whoever holds the advisory lock knows that any yoyo lock row left
over is stale and clears it. (This presumes every migrator goes through this module, not
the ``yoyo`` command line.)

Command line: ``python -m infra.migrate [--database-url URL] [--directory DIR]``; without
a URL, ``DATABASE_URL`` or else the embedded server in ``DATA_DIR`` is used.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from yoyo import get_backend, read_migrations

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# "passmigr" in ASCII: an arbitrary bigint key that no other advisory lock here uses.
_ADVISORY_LOCK_KEY = 0x706173736D696772

_POSTGRES_SCHEMES = frozenset({"postgres", "postgresql", "postgresql+psycopg"})


class MigrationLockTimeout(TimeoutError):
    """Another process kept the migration lock longer than the timeout."""


def apply_migrations(
    database_url: str,
    directory: Path | str | None = None,
    *,
    lock_timeout: float = 120.0,
) -> list[str]:
    """Apply the pending migrations of ``directory`` (default: the repo's ``migrations/``).

    ``database_url`` is a libpq URL (``postgresql://...``, TCP or ``?host=/socket/dir``).
    Returns the ids (file names without ``.sql``) applied by this call, in order: empty
    when the database was already up to date, or when there are no migration files.
    """
    migrations = _read_migrations(Path(directory) if directory is not None else MIGRATIONS_DIR)
    if not migrations:
        return []
    _quiet_yoyo()
    backend = get_backend(yoyo_url(database_url))
    try:
        with _migration_lock(backend, lock_timeout):
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
            applied = [migration.id for migration in pending]
    finally:
        # Closing matters: CREATE DATABASE ... TEMPLATE refuses a template with sessions.
        backend.connection.close()
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    return applied


def _quiet_yoyo() -> None:
    yoyo_log = logging.getLogger("yoyo")
    if yoyo_log.level == logging.NOTSET:
        # yoyo logs each statement at INFO; one line per applied migration (ours) is enough.
        yoyo_log.setLevel(logging.WARNING)


def yoyo_url(database_url: str) -> str:
    """Translate a libpq URL into the URL yoyo uses for its psycopg 3 backend."""
    scheme, separator, rest = database_url.partition("://")
    if not separator or scheme.lower() not in _POSTGRES_SCHEMES:
        raise ValueError("database URL must start with postgresql:// (or postgres://)")
    return "postgresql+psycopg://" + rest


def _read_migrations(directory: Path) -> Any:
    # An absent or empty directory is a normal state early in a project's life.
    if not directory.is_dir() or not any(directory.glob("*.sql")):
        return []
    return read_migrations(str(directory))


@contextlib.contextmanager
def _migration_lock(backend: Any, timeout: float) -> Iterator[None]:
    connection = backend.connection
    _acquire_advisory_lock(connection, timeout)
    try:
        # Every live migrator holds the advisory lock while it holds yoyo's lock, so a
        # yoyo lock row seen now belongs to a process that died mid-migration.
        backend.break_lock()
        with backend.lock(timeout=timeout):
            yield
    finally:
        # If the connection is broken the lock is gone with it; don't mask the real error.
        with contextlib.suppress(Exception):
            connection.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK_KEY,))


def _acquire_advisory_lock(connection: Any, timeout: float) -> None:
    # Polling pg_try_advisory_lock rather than blocking in pg_advisory_lock gives a
    # bounded, clearly reported wait without touching the session's lock_timeout.
    deadline = time.monotonic() + timeout
    while True:
        row = connection.execute(
            "SELECT pg_try_advisory_lock(%s)", (_ADVISORY_LOCK_KEY,)
        ).fetchone()
        if row[0]:
            return
        if time.monotonic() >= deadline:
            raise MigrationLockTimeout(
                f"another process has been migrating this database for over {timeout:.0f}s"
            )
        time.sleep(0.1)


@click.command()
@click.option("--database-url", envvar="DATABASE_URL", default=None, help="libpq URL.")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory of .sql migrations (default: the repository's migrations/).",
)
def main(database_url: str | None, directory: Path | None) -> None:
    """Apply pending migrations to DATABASE_URL, or to the embedded server when unset."""
    from infra.embedded import resolve_database_url
    from infra.settings import load_settings

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    url, keeper = resolve_database_url(settings)
    with keeper:
        applied = apply_migrations(url, directory)
    suffix = ": " + ", ".join(applied) if applied else ""
    click.echo(f"applied {len(applied)} migration(s){suffix}")


if __name__ == "__main__":
    main()
