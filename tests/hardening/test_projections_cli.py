"""`python server.py projections status|rebuild NAME`: a blue/green rebuild
swaps in tables equal to the old ones while readers keep reading whole tables
and the live projector keeps projecting."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from click.testing import CliRunner, Result

from domain.actors import MemberRole, Role
from domain.organisations import commands as c
from domain.organisations.service import OrganisationService
from infra.eventstore import open_write_side
from infra.settings import Settings
from projections.engine import Projector
from server import cli, projections
from tests.hardening.conftest import Serve
from tests.hardening.support import LabelWriter
from tests.organisations.builders import ctx, register_startup
from tests.support.db import TemplateDatabases
from wiring.slices import all_slices

STARTUPS = 40
ORGANISATION_TABLES = ("organisations", "organisation_members")


class _AdminOfAll(dict[UUID, MemberRole]):
    def get(self, key: Any, default: Any = None) -> MemberRole:
        return MemberRole.ADMIN


class EveryoneIsAdmin:
    def roles_of(self, user_id: str) -> dict[UUID, MemberRole]:
        return _AdminOfAll()


def record_history(database_url: str) -> list[str]:
    """STARTUPS startups with one more member each (2 entries per startup)."""
    write = open_write_side(database_url, pool_size=2)
    try:
        service = OrganisationService(write.ledger, EveryoneIsAdmin(), write.vault)
        ids = []
        for n in range(1, STARTUPS + 1):
            admin = ctx(f"s{n}", Role.STARTUP)
            sid = service.register_startup(register_startup(n), admin).stream_id
            service.add_member(c.AddMember(organisation_id=sid, user_id=f"m{n}",
                                           display_name=f"M {n}", email=f"m{n}@x.fr"), admin)
            ids.append(str(sid))
        return ids
    finally:
        write.close()


async def project_all(database_url: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        projector = Projector(pool, projections(all_slices()))
        await projector.ensure_tracking()
        await projector.catch_up()
    finally:
        await pool.close()


@pytest.fixture
async def history(settings: Settings) -> list[str]:
    """A projected ledger of STARTUPS startups and their members; their ids."""
    assert settings.database_url
    ids = await asyncio.to_thread(record_history, settings.database_url)
    await project_all(settings.database_url)
    return ids


@contextlib.contextmanager
def logging_kept() -> Iterator[None]:
    """`cli` configures the process's logging; put pytest's handlers back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def run_cli(database_url: str, *args: str) -> Result:
    with logging_kept():
        return CliRunner().invoke(cli, list(args), env={
            "DATABASE_URL": database_url, "PASSERELLE_DEMO": "0",
            "PASSERELLE_LOG_LEVEL": "WARNING"})


async def rows(conn: asyncpg.Connection, table: str) -> list[str]:
    return sorted(repr(tuple(r)) for r in await conn.fetch(f"SELECT * FROM {table}"))


async def table_shape(conn: asyncpg.Connection, table: str) -> list[tuple[str, str]]:
    """Index names and definitions, constraint names: what later migrations name."""
    indexes = await conn.fetch("SELECT indexname, indexdef FROM pg_indexes"
                               " WHERE schemaname = 'public' AND tablename = $1", table)
    constraints = await conn.fetch(
        "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint"
        " WHERE conrelid = $1::regclass", f"public.{table}")
    return sorted([(r["indexname"], r["indexdef"]) for r in indexes]
                  + [(r["conname"], r["def"]) for r in constraints])


@contextlib.asynccontextmanager
async def reading_all_along(database_url: str, expected: dict[str, int],
                            ) -> AsyncIterator[dict[str, Any]]:
    """Another connection counting the tables' rows in a loop; yields what it saw."""
    seen: dict[str, Any] = {"reads": 0, "wrong": [], "errors": []}
    stop = asyncio.Event()

    async def read() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            while not stop.is_set():
                try:
                    counts = {t: await conn.fetchval(f"SELECT count(*) FROM {t}")
                              for t in expected}
                except asyncpg.PostgresError as exc:
                    seen["errors"].append(repr(exc))
                    continue
                seen["reads"] += 1
                if counts != expected:
                    seen["wrong"].append(counts)
                await asyncio.sleep(0.002)
        finally:
            await conn.close()

    task = asyncio.create_task(read())
    try:
        yield seen
    finally:
        stop.set()
        await task


async def test_status_lists_each_projection_with_its_position_and_lag(
    settings: Settings, history: list[str],
) -> None:
    assert settings.database_url
    result = await asyncio.to_thread(run_cli, settings.database_url, "projections", "status")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"ledger head: {2 * STARTUPS}"
    names = {line.split()[0]: line.split() for line in lines[1:]}
    assert names.keys() == {p.name for p in projections(all_slices())}
    assert names["organisations"][1:5] == ["position", str(2 * STARTUPS), "lag", "0"]


async def test_rebuilding_an_unknown_projection_names_the_known_ones(settings: Settings) -> None:
    assert settings.database_url
    result = await asyncio.to_thread(run_cli, settings.database_url,
                                     "projections", "rebuild", "nope")
    assert result.exit_code == 2
    assert "no projection 'nope'; known: " in result.output
    assert "organisations" in result.output


async def test_a_rebuild_needs_names_or_all_but_not_both(settings: Settings) -> None:
    assert settings.database_url
    for args in ((), ("--all", "organisations")):
        result = await asyncio.to_thread(run_cli, settings.database_url,
                                         "projections", "rebuild", *args)
        assert result.exit_code == 2
        assert "name one or more projections, or pass --all" in result.output


async def test_rebuild_all_rebuilds_every_projection_to_equal_rows(
    settings: Settings, history: list[str],
) -> None:
    assert settings.database_url
    every = projections(all_slices())
    tables = [t for p in every for t in p.tables]
    conn = await asyncpg.connect(settings.database_url)
    try:
        before = {t: (await rows(conn, t), await table_shape(conn, t)) for t in tables}
        result = await asyncio.to_thread(run_cli, settings.database_url,
                                         "projections", "rebuild", "--all")
        after = {t: (await rows(conn, t), await table_shape(conn, t)) for t in tables}
        positions = {name: position for name, position in await conn.fetch(
            "SELECT name, position FROM projection_tracking")}
    finally:
        await conn.close()
    assert result.exit_code == 0, result.output
    for name in (p.name for p in every):
        assert f"{name} rebuilt and switched at position {2 * STARTUPS}" in result.output
        assert positions[name] == 2 * STARTUPS
    assert after == before  # every table of every projection: rows, indexes, constraints


async def test_a_rebuild_swaps_in_equal_tables_and_readers_never_see_a_half_built_one(
    settings: Settings, history: list[str],
) -> None:
    assert settings.database_url
    conn = await asyncpg.connect(settings.database_url)
    try:
        before = {t: await rows(conn, t) for t in ORGANISATION_TABLES}
        shape = {t: await table_shape(conn, t) for t in ORGANISATION_TABLES}
        expected = {"organisations": STARTUPS, "organisation_members": 2 * STARTUPS}
        async with reading_all_along(settings.database_url, expected) as seen:
            result = await asyncio.to_thread(run_cli, settings.database_url,
                                             "projections", "rebuild", "organisations")
        after = {t: await rows(conn, t) for t in ORGANISATION_TABLES}
        shape_after = {t: await table_shape(conn, t) for t in ORGANISATION_TABLES}
        position = await conn.fetchval(
            "SELECT position FROM projection_tracking WHERE name = 'organisations'")
        leftovers = await conn.fetchval("SELECT count(*) FROM pg_namespace"
                                        " WHERE nspname LIKE 'rebuild_%'")
    finally:
        await conn.close()
    assert result.exit_code == 0, result.output
    assert f"organisations rebuilt and switched at position {2 * STARTUPS}" in result.output
    assert after == before
    assert shape_after == shape  # same index and constraint names as the migrations made
    assert position == 2 * STARTUPS and leftovers == 0
    assert seen["reads"] > 0
    assert seen["wrong"] == [] and seen["errors"] == []


@pytest.fixture
def fresh_database_url(_template_databases: TemplateDatabases) -> Iterator[str]:
    name, url = _template_databases.clone()
    yield url
    _template_databases.drop_later(name)


async def rebuilt_from_zero(database_url: str, fresh_url: str) -> dict[str, list[str]]:
    """The organisation tables a projector makes from zero on a copy of the ledger."""
    live, fresh = await asyncpg.connect(database_url), await asyncpg.connect(fresh_url)
    try:
        events = await live.fetch("SELECT * FROM ledger_events ORDER BY notification_id")
        await fresh.copy_records_to_table("ledger_events", records=[tuple(e) for e in events],
                                          columns=list(events[0].keys()))
    finally:
        await live.close()
    try:
        await project_all(fresh_url)
        return {t: await rows(fresh, t) for t in ORGANISATION_TABLES}
    finally:
        await fresh.close()


async def test_a_rebuild_under_writes_leaves_the_live_projector_running_and_the_rows_right(
    serve: Serve, settings: Settings, history: list[str], fresh_database_url: str,
) -> None:
    assert settings.database_url
    writer = LabelWriter(settings.database_url)
    stop = asyncio.Event()

    async def write() -> None:
        n = 0
        while not stop.is_set():
            await writer.append_async(history[n % len(history)], 3)
            n += 1
            await asyncio.sleep(0.005)

    try:
        async with serve() as client:
            runtime = client.app.state.runtime
            writing = asyncio.create_task(write())
            await asyncio.sleep(0.2)
            result = await asyncio.to_thread(run_cli, settings.database_url,
                                             "projections", "rebuild", "organisations")
            await asyncio.sleep(0.2)
            stop.set()
            await writing
            deadline = time.monotonic() + 15
            while (ready := await client.http.get("/readyz")).json()["lag"] > 0:
                assert time.monotonic() < deadline, ready.json()
                await asyncio.sleep(0.05)
            startup = await client.register_startup("after-rebuild", 999)
            city_set = await client.data(
                "query($id: ID!) { startup(id: $id) { name labels } }", {"id": startup})
            failures = runtime.leader.failures
            conn = await asyncpg.connect(settings.database_url)
            try:
                live = {t: await rows(conn, t) for t in ORGANISATION_TABLES}
            finally:
                await conn.close()
    finally:
        writer.close()
    assert result.exit_code == 0, result.output
    assert failures == 0
    assert city_set["startup"] == {"name": "Startup 999", "labels": []}
    assert live == await rebuilt_from_zero(settings.database_url, fresh_database_url)


async def test_a_second_rebuild_of_the_same_projection_is_refused_while_one_runs(
    settings: Settings, history: list[str],
) -> None:
    assert settings.database_url
    holder = await asyncpg.connect(settings.database_url)  # what a running rebuild holds
    try:
        await holder.fetchval("SELECT pg_advisory_lock(hashtext($1))",
                              "passerelle.rebuild.organisations")
        refused = await asyncio.to_thread(run_cli, settings.database_url,
                                          "projections", "rebuild", "organisations")
        other = await asyncio.to_thread(run_cli, settings.database_url,
                                        "projections", "rebuild", "directory")
        schemas = await holder.fetchval("SELECT count(*) FROM pg_namespace"
                                        " WHERE nspname LIKE 'rebuild_%'")
    finally:
        await holder.close()
    assert refused.exit_code != 0
    assert "a rebuild of organisations is already running" in (
        refused.output + repr(refused.exception))
    assert other.exit_code == 0, other.output
    assert schemas == 0
