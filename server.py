"""Passerelle's single composition root and command line.

    python server.py serve        # GraphQL on http://127.0.0.1:8000/graphql
    python server.py migrate
    python server.py token --role startup --sub alice
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import click
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from infra.embedded import resolve_database_url
from infra.eventstore import SNAPSHOT_INTERVAL, WriteSide
from infra.health import progress, update_gauges
from infra.migrate import apply_migrations
from infra.observability import REGISTRY, configure_logging
from infra.runtime import (
    Runtime,
    die_with_parent,
    project_forever,
    running,
    start_process,
    stop_process,
)
from infra.settings import Settings, load_settings
from infra.shared_metrics import exposition, shared_across_workers
from projections.base import Projection
from projections.sessions import LOST
from schema.app import PasserelleGraphQL, build_schema
from schema.auth import AuthMiddleware
from schema.context import Services, context_for
from schema.http import GraphQLHttp, HttpLimits
from schema.live.wire import WireMiddleware
from schema.observability import RequestLogMiddleware
from schema.persisted import PersistedQueries
from schema.ratelimit import RateLimiter, RateLimitMiddleware
from wiring import Slice
from wiring.slices import all_slices

log = logging.getLogger("passerelle")


def projections(slices: list[Slice]) -> list[Projection]:
    return [p for s in slices for p in s.projections()]


def configure_write_side(slices: list[Slice]) -> Any:
    def configure(write: WriteSide) -> None:
        # Per application (eventsourcing declares it on the class, typed ClassVar).
        write.ledger.snapshotting_intervals = {  # type: ignore[misc]
            cls: SNAPSHOT_INTERVAL for s in slices for cls in s.snapshotted
        }

    return configure


def command_services(slices: list[Slice], write: WriteSide) -> dict[str, Any]:
    services: dict[str, Any] = {}
    for s in slices:
        services.update(s.services(write))
    return services


def services_for(slices: list[Slice], runtime: Runtime) -> Services:
    return Services(
        settings=runtime.settings, pool=runtime.pool, watch=runtime.watch,
        commands={**command_services(slices, runtime.write), "live": runtime.live},
        node_resolvers={k: v for s in slices for k, v in s.node_resolvers.items()},
    )


def start_duties(slices: list[Slice], services: Services, runtime: Runtime,
                 database_url: str) -> None:
    """Each slice's periodic duties, stopped with the runtime."""
    duties = [d for s in slices for d in s.duties(services.commands, runtime.pool,
                                                  runtime.settings)]
    runtime.tasks.extend(asyncio.create_task(d.run(database_url, runtime.stop))
                         for d in duties)


def schema_for(slices: list[Slice], settings: Settings | None = None) -> Any:
    limits = {"depth": settings.max_depth, "aliases": settings.max_aliases,
              "tokens": settings.max_tokens} if settings else None
    return build_schema(
        tuple(r for s in slices for r in s.query_roots),
        tuple(r for s in slices for r in s.mutation_roots),
        tuple(r for s in slices for r in s.subscription_roots),
        limits=limits,
        introspection=settings.introspection_enabled if settings else True,
    )


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings, database_url: str, slices: list[Slice], *, run_projector: bool = True,
    projector_delay: float = 0.0,
) -> AsyncIterator[Runtime]:
    async with running(settings, database_url, projections(slices),
                       configure_write_side(slices), run_projector=run_projector,
                       projector_delay=projector_delay) as runtime:
        yield runtime


def http_limits(settings: Settings) -> HttpLimits:
    return HttpLimits(
        max_body_bytes=settings.max_body_bytes, max_batch=settings.max_batch,
        suggestions=settings.introspection_enabled, graphiql=settings.env != "production",
        max_tokens=settings.max_tokens, response_cache=settings.response_cache,
    )


def create_app(
    settings: Settings, database_url: str, *, run_projector: bool = True,
    slices: list[Slice] | None = None, projector_delay: float = 0.0,
) -> Starlette:
    """The ASGI app; its lifespan opens pools and runs the projector election."""
    slices = slices if slices is not None else all_slices()
    schema = schema_for(slices, settings)
    limiter = RateLimiter(settings.rate_limit_per_token, settings.rate_limit_per_ip)
    graphql = PasserelleGraphQL(
        schema, services=None,  # type: ignore[arg-type]
        limiter=limiter,
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection)
    http = GraphQLHttp(schema, http_limits(settings))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_runtime(settings, database_url, slices, run_projector=run_projector,
                                projector_delay=projector_delay) as runtime:
            services = services_for(slices, runtime)
            graphql.services = services
            start_duties(slices, services, runtime, database_url)
            http.persisted = PersistedQueries(runtime.pool, allow_list_only=settings.persisted_only)
            http.make_context = lambda request: context_for(services, request)
            limiter.pool = runtime.pool
            http.pool = runtime.pool
            app.state.runtime = runtime
            yield

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        try:
            p = await progress(request.app.state.runtime.pool)
        except LOST as exc:
            return JSONResponse({"status": "database unreachable", "error": str(exc)}, 503)
        ready = p.lag <= settings.ready_max_lag
        return JSONResponse({"status": "ready" if ready else "projections lagging",
                             "head": p.head, "lag": p.lag}, 200 if ready else 503)

    async def metrics(request: Request) -> Response:
        with contextlib.suppress(OSError, TimeoutError, asyncpg.PostgresError):
            await update_gauges(request.app.state.runtime.pool)
        return Response(exposition(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[Route("/graphql", http.handle, methods=["GET", "POST"]),
                WebSocketRoute("/graphql", graphql), Route("/healthz", healthz),
                Route("/readyz", readyz), Route("/metrics", metrics)],
        # WireMiddleware first of ours: below it the ASGI layers wrap the server's `send`.
        middleware=[Middleware(WireMiddleware),
                    Middleware(RequestLogMiddleware, access_log=settings.access_log),
                    Middleware(AuthMiddleware, settings=settings, limiter=limiter),
                    Middleware(RateLimitMiddleware, limiter=limiter)],
        lifespan=lifespan,
    )


def load_demo(slices: list[Slice], services: dict[str, Any]) -> dict[str, Any]:
    """Runs each slice's demo in order; later demos build on earlier ones."""
    results: dict[str, Any] = {}
    for s in slices:
        if s.demo is not None:
            results[s.name] = s.demo(services, results)
            log.info("demo data loaded: %s", s.name)
    return results


async def _load_demo_if_empty(settings: Settings, database_url: str) -> None:
    slices = all_slices()
    async with open_runtime(settings, database_url, slices, run_projector=False) as rt:
        if await rt.pool.fetchval("SELECT count(*) FROM ledger_events"):
            return
        await rt.projector.ensure_tracking()
        loop = asyncio.get_running_loop()
        services = command_services(slices, rt.write)
        # Demo commands read memberships: `settle` brings the read models up to date.
        services["settle"] = lambda: asyncio.run_coroutine_threadsafe(
            rt.projector.catch_up(), loop).result()
        await asyncio.to_thread(load_demo, slices, services)
        await rt.projector.catch_up()


@click.group()
def cli() -> None:
    """Passerelle: the collaboration ledger."""
    configure_logging(load_settings().log_level)


@cli.command()
@click.option("--host", default=None, help="Overrides PASSERELLE_HOST.")
@click.option("--port", default=None, type=int, help="Overrides PASSERELLE_PORT.")
def serve(host: str | None, port: int | None) -> None:
    """Migrate, load demo data into an empty ledger, serve GraphQL."""
    settings = load_settings()
    if settings.jwt_secret_is_default:
        log.warning("PASSERELLE_JWT_SECRET is unset: tokens are signed with the PUBLIC "
                    "development secret. Never run like this in production.")
    database_url, keeper = resolve_database_url(settings)
    with keeper:
        apply_migrations(database_url)
        if settings.demo:
            asyncio.run(_load_demo_if_empty(settings, database_url))
        host, port = host or settings.host, port or settings.port
        click.echo(f"Passerelle GraphiQL: http://{host}:{port}/graphql")
        options: dict[str, Any] = {
            "host": host, "port": port, "loop": "uvloop", "http": "httptools",
            "log_level": "warning", "ws": "websockets-sansio", "ws_per_message_deflate": False}
        projector = start_process(projector_process, database_url) \
            if settings.projector_process else None
        try:
            _serve_http(settings, database_url, options)
        finally:
            if projector is not None:  # before `keeper` stops an embedded database
                stop_process(projector)


def _serve_http(settings: Settings, database_url: str, options: dict[str, Any]) -> None:
    import uvicorn

    if settings.workers == 1:
        delay = fallback_delay(settings)
        uvicorn.run(create_app(settings, database_url, projector_delay=delay), **options)
        return
    # Worker processes import the app by name and read their settings from the
    # environment: the resolved URL (an embedded server's included) goes there.
    os.environ["DATABASE_URL"] = database_url
    with shared_across_workers():  # one /metrics for all (infra/shared_metrics.py)
        uvicorn.run("server:app_from_environment", factory=True, workers=settings.workers,
                    **options)


def app_from_environment() -> Starlette:
    """The app of one worker process (PASSERELLE_WORKERS > 1)."""
    die_with_parent()
    settings = load_settings()
    configure_logging(settings.log_level)
    assert settings.database_url, "the supervisor sets DATABASE_URL"
    return create_app(settings, settings.database_url, projector_delay=fallback_delay(settings))


# With a dedicated projector process, HTTP processes wait this long before they
# compete for the projector's lock: the dedicated one (started first) gets it,
# and they take over (retrying every second) only if it dies.
FALLBACK_DELAY_SECONDS = 10.0


def fallback_delay(settings: Settings) -> float:
    return FALLBACK_DELAY_SECONDS if settings.projector_process else 0.0


def projector_process(database_url: str) -> None:
    """The dedicated projector process's entry point (PASSERELLE_PROJECTOR_PROCESS)."""
    import uvloop

    die_with_parent()
    configure_logging(load_settings().log_level)
    uvloop.run(project_forever(database_url, projections(all_slices())))


@cli.command()
def migrate() -> None:
    """Apply the SQL migrations."""
    settings = load_settings()
    database_url, keeper = resolve_database_url(settings)
    with keeper:
        applied = apply_migrations(database_url)
    click.echo(f"applied: {', '.join(applied) or 'nothing new'}")


@cli.command()
@click.option("--role", required=True,
              type=click.Choice(["startup", "corporate", "operator", "auditor", "integrator"]))
@click.option("--sub", required=True, help="The user id.")
@click.option("--org", "orgs", multiple=True, help="Organisation ids (integrators).")
@click.option("--ttl", default=8 * 3600, show_default=True, help="Lifetime in seconds.")
def token(role: str, sub: str, orgs: tuple[str, ...], ttl: int) -> None:
    """Print a development JWT (HS256, PASSERELLE_JWT_SECRET)."""
    from infra.auth import issue_token

    click.echo(issue_token(load_settings(), sub=sub, role=role, orgs=orgs, ttl_seconds=ttl))


def _add_audit_commands() -> None:
    from infra.audit_cli import audit

    cli.add_command(audit)


_add_audit_commands()


@cli.group("projections")
def projections_cli() -> None:
    """Inspect and rebuild read models."""


@projections_cli.command("status")
def projections_status() -> None:
    """Each projection's position and lag behind the ledger head."""
    from projections.rebuild import status

    settings = load_settings()
    database_url, keeper = resolve_database_url(settings)
    with keeper:
        head, rows = asyncio.run(status(database_url))
    click.echo(f"ledger head: {head}")
    for name, (position, updated) in rows.items():
        click.echo(f"{name:<24} position {position:>10}  lag {head - position:>8}  {updated}")


@projections_cli.command("rebuild")
@click.argument("names", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Rebuild every projection.")
def projections_rebuild(names: tuple[str, ...], every: bool) -> None:
    """Blue/green rebuild of projections from position 0 (the ledger is read once for
    all of them), then an atomic switch of each."""
    import uvloop
    from tqdm import tqdm  # type: ignore[import-untyped]

    from projections.rebuild import RebuildBusyError, rebuild_many

    chosen = _chosen_projections(names, every)
    settings = load_settings()
    database_url, keeper = resolve_database_url(settings)
    desc = ", ".join(p.name for p in chosen) if len(chosen) < 4 else f"{len(chosen)} projections"
    with keeper, tqdm(unit=" entries", desc=desc) as bar:
        def progress(position: int, head: int) -> None:
            bar.total = head
            bar.update(position - bar.n)

        try:
            positions = uvloop.run(rebuild_many(database_url, chosen, progress))
        except RebuildBusyError as exc:
            raise click.ClickException(str(exc)) from None
    for name, position in positions.items():
        click.echo(f"{name} rebuilt and switched at position {position}")


def _chosen_projections(names: tuple[str, ...], every: bool) -> list[Projection]:
    known = projections(all_slices())
    if every == bool(names):
        raise click.UsageError("name one or more projections, or pass --all")
    if every:
        return list(known)
    by_name = {p.name: p for p in known}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise click.BadParameter(f"no projection {unknown[0]!r}; known: {', '.join(by_name)}")
    return [by_name[n] for n in dict.fromkeys(names)]


@cli.group("persisted")
def persisted_cli() -> None:
    """Documents allowed to run when PASSERELLE_PERSISTED_ONLY=1."""


@persisted_cli.command("register")
@click.argument("files", nargs=-1, required=True, type=click.File("r"))
def persisted_register(files: tuple[Any, ...]) -> None:
    """Register GraphQL documents (one per file); prints each one's sha256."""
    from schema.persisted import PersistedQueries

    settings = load_settings()
    database_url, keeper = resolve_database_url(settings)

    async def register_all() -> list[tuple[str, str]]:
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
        try:
            registry = PersistedQueries(pool, allow_list_only=True)
            return [(await registry.register(f.read()), f.name) for f in files]
        finally:
            await pool.close()

    with keeper:
        for sha, file_name in asyncio.run(register_all()):
            click.echo(f"{sha}  {file_name}")


if __name__ == "__main__":
    cli()
