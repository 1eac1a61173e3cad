"""Queries over the directory of solutions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from projections.pagination import Page
from projections.queries.listing import Key, Listing

SOLUTION_COLUMNS = (
    "id, startup_id, title, summary, technologies, sectors, trl, status, version,"
    " created_at, updated_at"
)


@dataclass(frozen=True)
class SolutionFilter:
    search: str | None = None
    technology: str | None = None
    sector: str | None = None
    min_trl: int | None = None


def searchable(source: str, columns: str, search: str | None, keys: list[Key]) -> Listing:
    """Ranked by full-text relevance when searching (then id), else by `keys`.
    The query text is always parameter $1, which the rank key refers to."""
    if not (search and search.strip()):
        return Listing(source, columns, keys)
    listing = Listing(source, columns, [
        Key("ts_rank(search, passerelle_tsq($1))", "real", descending=True), Key("id", "uuid")])
    listing.params.append(search)
    listing.where.append("search @@ passerelle_tsq($1)")
    return listing


async def solutions_by_id(
    conn: asyncpg.Connection, ids: Sequence[UUID]
) -> dict[UUID, asyncpg.Record]:
    rows = await conn.fetch(
        f"SELECT {SOLUTION_COLUMNS} FROM solutions WHERE id = ANY($1::uuid[])", list(ids))
    return {r["id"]: r for r in rows}


async def list_solutions(
    conn: asyncpg.Connection, first: int, after: str | None, f: SolutionFilter
) -> Page[Any]:
    """The public directory: published solutions only."""
    listing = searchable("solutions", SOLUTION_COLUMNS, f.search,
                         [Key("title", "text"), Key("id", "uuid")])
    listing.filter("status = {}", "PUBLISHED")
    if f.technology:
        listing.filter("{} = ANY(technologies)", f.technology)
    if f.sector:
        listing.filter("{} = ANY(sectors)", f.sector)
    if f.min_trl is not None:
        listing.filter("trl >= {}", f.min_trl)
    return await listing.page(conn, first, after)


async def solutions_of_startup(
    conn: asyncpg.Connection, startup_id: UUID, first: int, after: str | None,
    include_withdrawn: bool,
) -> Page[Any]:
    listing = Listing("solutions", SOLUTION_COLUMNS, [Key("title", "text"), Key("id", "uuid")])
    listing.filter("startup_id = {}", startup_id)
    if not include_withdrawn:
        listing.filter("status = {}", "PUBLISHED")
    return await listing.page(conn, first, after)
