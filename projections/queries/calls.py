"""Queries over calls and applications (asyncpg for the API; one psycopg
adapter for the write side's award rule)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from psycopg_pool import ConnectionPool

from projections.pagination import Page
from projections.queries.directory import searchable
from projections.queries.listing import Key, Listing

CALL_COLUMNS = (
    "id, corporate_id, title, challenge, sectors, technologies, criteria_names,"
    " criteria_weights, budget_amount, budget_currency, deadline, status, published_at,"
    " awarded_application_ids, cancel_reason, version, created_at, updated_at"
)
APPLICATION_COLUMNS = (
    "id, call_id, startup_id, corporate_id, solution_id, pitch, status, score_criteria,"
    " score_evaluators, score_values, decision_reason, version, created_at, updated_at"
)
# Timestamps as integer microseconds: exact, and a cursor value asyncpg binds as is.
DEADLINE_KEY = Key("(extract(epoch from deadline) * 1000000)::bigint", "bigint")
CREATED_KEY = Key("(extract(epoch from created_at) * 1000000)::bigint", "bigint")


@dataclass(frozen=True)
class Visibility:
    """What a viewer may list: everything (auditors), or the public part plus
    what their organisations are party to."""

    everything: bool
    organisations: frozenset[UUID]


@dataclass(frozen=True)
class CallFilter:
    search: str | None = None
    status: str | None = None
    corporate_id: UUID | None = None
    sector: str | None = None
    open_only: bool = False


def _visible_calls(listing: Listing, v: Visibility) -> Listing:
    if not v.everything:
        listing.filter("(status <> 'DRAFT' OR corporate_id = ANY({}::uuid[]))",
                       list(v.organisations))
    return listing


def _visible_applications(listing: Listing, v: Visibility) -> Listing:
    if not v.everything:
        orgs = list(v.organisations)
        listing.filter("(startup_id = ANY({}::uuid[]) OR corporate_id = ANY({}::uuid[]))",
                       orgs, orgs)
    return listing


async def calls_by_id(conn: asyncpg.Connection, ids: Sequence[UUID]) -> dict[UUID, asyncpg.Record]:
    rows = await conn.fetch(f"SELECT {CALL_COLUMNS} FROM calls WHERE id = ANY($1::uuid[])",
                            list(ids))
    return {r["id"]: r for r in rows}


async def list_calls(
    conn: asyncpg.Connection, first: int, after: str | None, f: CallFilter, v: Visibility
) -> Page[Any]:
    """Soonest deadline first, or most relevant first when searching."""
    listing = _visible_calls(
        searchable("calls", CALL_COLUMNS, f.search, [DEADLINE_KEY, Key("id", "uuid")]), v)
    if f.status:
        listing.filter("status = {}", f.status)
    if f.corporate_id:
        listing.filter("corporate_id = {}", f.corporate_id)
    if f.sector:
        listing.filter("{} = ANY(sectors)", f.sector)
    if f.open_only:
        # Past its deadline a call takes no application, even before closeCall.
        listing.filter("status = 'PUBLISHED' AND deadline > now()")
    return await listing.page(conn, first, after)


async def applications_by_id(
    conn: asyncpg.Connection, ids: Sequence[UUID]
) -> dict[UUID, asyncpg.Record]:
    rows = await conn.fetch(
        f"SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = ANY($1::uuid[])", list(ids))
    return {r["id"]: r for r in rows}


async def list_applications(
    conn: asyncpg.Connection, first: int, after: str | None, v: Visibility, *,
    call_id: UUID | None = None, startup_id: UUID | None = None,
) -> Page[Any]:
    """A call's or a startup's applications, oldest first, as far as the viewer may see."""
    listing = Listing("applications", APPLICATION_COLUMNS, [CREATED_KEY, Key("id", "uuid")])
    if call_id is not None:
        listing.filter("call_id = {}", call_id)
    if startup_id is not None:
        listing.filter("startup_id = {}", startup_id)
    return await _visible_applications(listing, v).page(conn, first, after)


async def application_counts(conn: asyncpg.Connection, call_ids: Sequence[UUID]) -> dict[UUID, int]:
    """Public: how many applications each call has (withdrawn ones not counted)."""
    rows = await conn.fetch(
        "SELECT call_id, count(*) AS n FROM applications WHERE call_id = ANY($1::uuid[])"
        " AND status <> 'WITHDRAWN' GROUP BY call_id", list(call_ids))
    return {r["call_id"]: r["n"] for r in rows}


class PgCallApplications:
    """The write side's view of the applications read model (domain.calls.ports)."""

    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self.pool = pool

    def selected_for(self, call_id: UUID) -> list[UUID]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT id FROM applications WHERE call_id = %s AND status = 'SELECTED'",
                (call_id,), prepare=True,
            ).fetchall()
        return [row[0] for row in rows]
