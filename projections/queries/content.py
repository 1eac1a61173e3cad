"""Queries over resources, case studies and platform events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from projections.pagination import Page
from projections.queries.listing import Key, Listing

RESOURCE_COLUMNS = "id, kind, title, body, tags, version, created_at, updated_at"
CASE_STUDY_COLUMNS = (
    "id, agreement_id, corporate_id, startup_id, title, summary, consented_by, published,"
    " published_at, version, created_at, updated_at"
)
EVENT_COLUMNS = (
    "id, title, starts_at, location, capacity, registered, cardinality(registered)"
    " AS registered_count, cancelled, version, created_at, updated_at"
)
NEWEST_FIRST = [Key("created_at", "timestamptz", descending=True),
                Key("id", "uuid", descending=True)]


@dataclass(frozen=True)
class CaseStudyAccess:
    """Which case studies a viewer sees besides the published ones."""

    everything: bool = False
    party_of: frozenset[UUID] = frozenset()


async def _by_id(
    conn: asyncpg.Connection, table: str, columns: str, ids: Sequence[UUID]
) -> dict[UUID, asyncpg.Record]:
    rows = await conn.fetch(f"SELECT {columns} FROM {table} WHERE id = ANY($1::uuid[])", list(ids))
    return {r["id"]: r for r in rows}


async def resources_by_id(
    conn: asyncpg.Connection, ids: Sequence[UUID]
) -> dict[UUID, asyncpg.Record]:
    return await _by_id(conn, "resources", RESOURCE_COLUMNS, ids)


async def case_studies_by_id(
    conn: asyncpg.Connection, ids: Sequence[UUID]
) -> dict[UUID, asyncpg.Record]:
    return await _by_id(conn, "case_studies", CASE_STUDY_COLUMNS, ids)


async def events_by_id(
    conn: asyncpg.Connection, ids: Sequence[UUID]
) -> dict[UUID, asyncpg.Record]:
    return await _by_id(conn, "platform_events", EVENT_COLUMNS, ids)


def _resource_listing(search: str | None) -> Listing:
    if not (search and search.strip()):
        return Listing("resources", RESOURCE_COLUMNS, list(NEWEST_FIRST))
    listing = Listing(
        "resources", RESOURCE_COLUMNS,
        [Key("ts_rank(search, passerelle_tsq($1))", "real", descending=True), Key("id", "uuid")],
    )
    listing.params.append(search)
    listing.where.append("search @@ passerelle_tsq($1)")
    return listing


async def list_resources(
    conn: asyncpg.Connection, first: int, after: str | None, search: str | None,
    kind: str | None,
) -> Page[Any]:
    """Best matches first when searching (French and English stems, accents
    folded), newest first otherwise."""
    listing = _resource_listing(search)
    if kind:
        listing.filter("kind = {}", kind)
    return await listing.page(conn, first, after)


async def list_case_studies(
    conn: asyncpg.Connection, first: int, after: str | None, access: CaseStudyAccess
) -> Page[Any]:
    """Newest first: published ones, plus those the viewer's organisations are party to."""
    listing = Listing("case_studies", CASE_STUDY_COLUMNS, list(NEWEST_FIRST))
    if not access.everything:
        listing.filter("(published OR corporate_id = ANY({0}::uuid[])"
                       " OR startup_id = ANY({0}::uuid[]))", list(access.party_of))
    return await listing.page(conn, first, after)


async def list_events(
    conn: asyncpg.Connection, first: int, after: str | None, starting_after: datetime | None
) -> Page[Any]:
    """Upcoming ones soonest first (starting after `starting_after`), or every
    event latest first; cancelled events stay listed, flagged."""
    if starting_after is None:
        keys = [Key("starts_at", "timestamptz", descending=True), Key("id", "uuid", True)]
        return await Listing("platform_events", EVENT_COLUMNS, keys).page(conn, first, after)
    listing = Listing("platform_events", EVENT_COLUMNS,
                      [Key("starts_at", "timestamptz"), Key("id", "uuid")])
    return await listing.filter("starts_at > {}", starting_after).page(conn, first, after)
