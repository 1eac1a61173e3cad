"""The running system's parts and their lifecycle: pools, the write side, the
projector leader, the projection watch and the live ledger broker. Built by server.py."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any

import asyncpg

from infra.eventstore import WriteSide, open_write_side
from infra.live import LiveBroker, LiveLimits
from infra.settings import DB_TIMEOUT_SECONDS, Settings
from infra.watch_listener import listen_for_projections
from projections.base import PooledConnection, Projection
from projections.engine import ProjectionWatch, Projector, ProjectorLeader
from projections.sessions import SESSION_KEEPALIVES

log = logging.getLogger("passerelle")


@dataclass
class Runtime:
    settings: Settings
    database_url: str
    pool: asyncpg.Pool
    write: WriteSide
    projector: Projector
    leader: ProjectorLeader
    watch: ProjectionWatch
    live: LiveBroker
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)


async def open_pool(database_url: str, size: int,
                    timeout_seconds: float = DB_TIMEOUT_SECONDS,
                    keepalives: Mapping[str, str] = SESSION_KEEPALIVES) -> asyncpg.Pool:
    """`timeout_seconds`: asyncpg's command_timeout, so that a statement sent to a
    frozen or unreachable database fails instead of hanging; PostgreSQL's own
    statement_timeout (three quarters of it) ends a merely slow statement first,
    with a clearer error. `keepalives`: PostgreSQL's side, so that a session
    whose client was cut off in a transaction (the projector's batch holds
    its tracking rows FOR UPDATE) ends, and frees them, in about a minute."""
    return await asyncpg.create_pool(
        database_url, min_size=min(2, size), max_size=size,
        server_settings={"statement_timeout": str(int(timeout_seconds * 750)), **keepalives},
        connection_class=PooledConnection,  # no session reset query per release
        timeout=5, command_timeout=timeout_seconds,
    )


async def _lead_after(leader: ProjectorLeader, stop: asyncio.Event, delay: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=delay)
    if not stop.is_set():
        await leader.run(stop)


async def project_forever(database_url: str, projections: Sequence[Projection]) -> None:
    """The dedicated projector process: the leader election and the projector,
    nothing else. Its event loop serves no HTTP, so each of a batch's round
    trips is answered as soon as PostgreSQL replies instead of after a turn of
    a loop busy with requests (≈ 21 ms per batch of 8 entries measured inside
    the HTTP process under 16 writing clients). Waiters in the HTTP processes
    learn the positions through NOTIFY (`ProjectionWatch.on_notify`).
    Runs until SIGINT or SIGTERM, or until its parent is gone."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    orphaned = asyncio.create_task(_stop_when_orphaned(stop))
    pool = await open_pool(database_url, 4)
    try:
        await ProjectorLeader(Projector(pool, projections), database_url).run(stop)
    finally:
        orphaned.cancel()
        await pool.close()


def start_process(target: Callable[..., None], *args: Any) -> BaseProcess:
    """A child process of `serve` (spawned: a fresh interpreter, no inherited loop)."""
    process = multiprocessing.get_context("spawn").Process(
        target=target, args=args, name=f"passerelle-{target.__name__}", daemon=True)
    process.start()
    return process


def stop_process(process: BaseProcess, timeout: float = 10.0) -> None:
    process.terminate()  # SIGTERM: the projector commits or rolls back its batch, then ends
    process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join()


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """`serve` and its child processes live and die as one server: a SIGKILLed
    `serve` takes its workers and projector process with it at once, as the
    single process did, instead of leaving them serving (Linux prctl; elsewhere
    the projector process notices within a second: `_stop_when_orphaned`)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


async def _stop_when_orphaned(stop: asyncio.Event) -> None:
    parent = os.getppid()
    while not stop.is_set():
        if os.getppid() != parent:
            log.warning("serve is gone: the projector process stops")
            stop.set()
        await asyncio.sleep(1.0)


@contextlib.asynccontextmanager
async def running(
    settings: Settings, database_url: str, projections: Sequence[Projection],
    configure: Callable[[WriteSide], None], *, run_projector: bool = True,
    projector_delay: float = 0.0,
) -> AsyncIterator[Runtime]:
    """Opens everything, starts the projector leader election, closes it all.
    `projector_delay`: seconds before this instance first competes for the
    projector's lock (a dedicated projector process gets it first; this
    instance stays the fallback that takes over if that process dies)."""
    pool = await open_pool(database_url, settings.db_pool_size, settings.db_timeout_seconds)
    write = await asyncio.to_thread(open_write_side, database_url, settings.db_pool_size,
                                    settings.group_commit, settings.key_ttl_seconds,
                                    settings.db_timeout_seconds)
    configure(write)
    projector = Projector(pool, projections)
    watch = ProjectionWatch(pool)
    live = LiveBroker(database_url, pool, LiveLimits.from_env(settings),
                      timeout_seconds=settings.db_timeout_seconds)
    runtime = Runtime(settings, database_url, pool, write, projector,
                      ProjectorLeader(projector, database_url), watch, live)
    try:
        await watch.refresh()
        runtime.tasks.append(asyncio.create_task(listen_for_projections(
            database_url, watch, runtime.stop, timeout_seconds=settings.db_timeout_seconds)))
        if run_projector:
            runtime.tasks.append(asyncio.create_task(
                _lead_after(runtime.leader, runtime.stop, projector_delay)))
        yield runtime
    finally:
        runtime.stop.set()
        for task in runtime.tasks:
            # A task still busy after 5 s is cancelled (wait_for), and the rest is
            # closed all the same, whatever a task died of.
            try:
                await asyncio.wait_for(task, timeout=5)
            except (asyncio.CancelledError, TimeoutError):
                pass
            except Exception:
                log.exception("a background task had failed")
        await live.stop()
        await pool.close()
        await asyncio.to_thread(write.close)
