"""Queries over organisations, members and personal-data keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from projections.base import Conn
from projections.pagination import Page
from projections.queries.listing import Key, Listing

ORG_COLUMNS = (
    "id, kind, name, siren, description, website, city, founded_year, sectors, technologies,"
    " labels, sector, community_member, version, created_at, updated_at"
)


@dataclass(frozen=True)
class StartupFilter:
    search: str | None = None
    sector: str | None = None
    technology: str | None = None
    label: str | None = None


async def organisations_by_id(
    conn: asyncpg.Connection, ids: Sequence[UUID]
) -> dict[UUID, asyncpg.Record]:
    rows = await conn.fetch(
        f"SELECT {ORG_COLUMNS} FROM organisations WHERE id = ANY($1::uuid[])", list(ids)
    )
    return {r["id"]: r for r in rows}


def _listing(kind: str, search: str | None) -> Listing:
    if search and search.strip():
        listing = Listing(
            "organisations", ORG_COLUMNS,
            [Key("ts_rank(search, passerelle_tsq($1))", "real", descending=True),
             Key("id", "uuid")],
        )
        listing.params.append(search)
        listing.where.append("search @@ passerelle_tsq($1)")
    else:
        listing = Listing("organisations", ORG_COLUMNS, [Key("name", "text"), Key("id", "uuid")])
    return listing.filter("kind = {}", kind)


async def list_startups(
    conn: asyncpg.Connection, first: int, after: str | None, f: StartupFilter
) -> Page[Any]:
    listing = _listing("STARTUP", f.search)
    if f.sector:
        listing.filter("{} = ANY(sectors)", f.sector)
    if f.technology:
        listing.filter("{} = ANY(technologies)", f.technology)
    if f.label:
        listing.filter("{} = ANY(labels)", f.label)
    return await listing.page(conn, first, after)


async def list_corporates(
    conn: asyncpg.Connection, first: int, after: str | None, search: str | None
) -> Page[Any]:
    return await _listing("CORPORATE", search).page(conn, first, after)


async def members_by_organisation(
    conn: asyncpg.Connection, ids: Sequence[UUID]
) -> dict[UUID, list[asyncpg.Record]]:
    rows = await conn.fetch(
        "SELECT organisation_id, user_id, role, contact FROM organisation_members"
        " WHERE organisation_id = ANY($1::uuid[]) ORDER BY added_at, user_id", list(ids),
    )
    grouped: dict[UUID, list[asyncpg.Record]] = {i: [] for i in ids}
    for r in rows:
        grouped[r["organisation_id"]].append(r)
    return grouped


async def organisations_of_user(conn: Conn, user_id: str) -> list[UUID]:
    rows = await conn.fetch(
        "SELECT organisation_id FROM organisation_members WHERE user_id = $1", user_id
    )
    return [r["organisation_id"] for r in rows]


async def person_keys(conn: asyncpg.Connection, user_ids: Sequence[str]) -> dict[str, bytes]:
    """Live keys only: a forgotten person has none."""
    rows = await conn.fetch(
        "SELECT user_id, key FROM person_keys WHERE user_id = ANY($1::text[]) AND key IS NOT NULL",
        list(user_ids),
    )
    return {r["user_id"]: bytes(r["key"]) for r in rows}
