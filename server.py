"""Passerelle's single composition root and command line.

    python server.py serve        # GraphQL on http://127.0.0.1:8000/graphql
    python server.py migrate
    python server.py token --role startup --sub alice
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import click
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from domain.organisations.aggregates import Corporate, Startup
from domain.organisations.service import OrganisationService
from infra.embedded import resolve_database_url
from infra.eventstore import SNAPSHOT_INTERVAL, WriteSide
from infra.migrate import apply_migrations
from infra.runtime import Runtime, running
from infra.settings import Settings, load_settings
from projections.access import AccessProjection
from projections.base import Projection
from projections.organisations import OrganisationsProjection
from schema.app import PasserelleGraphQL, build_schema
from schema.auth import AuthMiddleware
from schema.context import Services

log = logging.getLogger("passerelle")


def projections() -> list[Projection]:
    return [AccessProjection(), OrganisationsProjection()]


def configure_write_side(write: WriteSide) -> None:
    write.ledger.snapshotting_intervals = {Startup: SNAPSHOT_INTERVAL, Corporate: SNAPSHOT_INTERVAL}


def command_services(write: WriteSide) -> dict[str, Any]:
    return {"organisations": OrganisationService(write.ledger, write.memberships, write.vault)}


def services_for(runtime: Runtime) -> Services:
    return Services(settings=runtime.settings, pool=runtime.pool, watch=runtime.watch,
                    commands=command_services(runtime.write))


def create_app(settings: Settings, database_url: str, *, run_projector: bool = True) -> Starlette:
    """The ASGI app; its lifespan opens pools and runs the projector election."""
    graphql = PasserelleGraphQL(build_schema(), services=None)  # type: ignore[arg-type]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with running(settings, database_url, projections(), configure_write_side,
                           run_projector=run_projector) as runtime:
            graphql.services = services_for(runtime)
            app.state.runtime = runtime
            yield

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/graphql", graphql), WebSocketRoute("/graphql", graphql),
                Route("/healthz", healthz)],
        middleware=[Middleware(AuthMiddleware, settings=settings)],
        lifespan=lifespan,
    )


async def _load_demo_if_empty(settings: Settings, database_url: str) -> None:
    from demo.loader import load_demo

    async with running(settings, database_url, projections(), configure_write_side) as rt:
        if await rt.pool.fetchval("SELECT count(*) FROM ledger_events"):
            return
        await asyncio.to_thread(load_demo, command_services(rt.write))
        await rt.projector.catch_up()


@click.group()
def cli() -> None:
    """Passerelle: the collaboration ledger."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


@cli.command()
@click.option("--host", default=None, help="Overrides PASSERELLE_HOST.")
@click.option("--port", default=None, type=int, help="Overrides PASSERELLE_PORT.")
def serve(host: str | None, port: int | None) -> None:
    """Migrate, load demo data into an empty ledger, serve GraphQL."""
    import uvicorn

    settings = load_settings()
    database_url, keeper = resolve_database_url(settings)
    with keeper:
        apply_migrations(database_url)
        if settings.demo:
            asyncio.run(_load_demo_if_empty(settings, database_url))
        host, port = host or settings.host, port or settings.port
        click.echo(f"Passerelle GraphiQL: http://{host}:{port}/graphql")
        uvicorn.run(create_app(settings, database_url), host=host, port=port,
                    loop="uvloop", http="httptools", log_level="warning", ws="websockets")


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


if __name__ == "__main__":
    cli()
