"""Queries over the agreements read model."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from projections.agreements import AGREEMENT_COLUMNS, JSON_COLUMNS
from projections.base import Row
from projections.deals_store import decode_json
from projections.pagination import Page
from projections.queries.listing import Key, Listing

COLUMNS = ", ".join(AGREEMENT_COLUMNS)
NEWEST_FIRST = [Key("created_position", "bigint", descending=True)]


@dataclass(frozen=True)
class Visibility:
    """Which deals a viewer may list: all of them, or those of these parties."""

    everything: bool = False
    party_of: frozenset[UUID] = frozenset()


@dataclass(frozen=True)
class AgreementFilter:
    status: str | None = None
    kind: str | None = None
    organisation_id: UUID | None = None


def restrict(listing: Listing, visibility: Visibility, party_columns: Sequence[str]) -> Listing:
    """Keeps the rows one of whose party columns names a visible organisation."""
    if visibility.everything:
        return listing
    parties = list(visibility.party_of)
    clause = " OR ".join(f"{c} = ANY({{}}::uuid[])" for c in party_columns)
    return listing.filter(f"({clause})", *([parties] * len(party_columns)))


def decoded(page: Page[Any], json_columns: tuple[str, ...]) -> Page[Any]:
    items = [decode_json(dict(r), json_columns) for r in page.items]
    return dataclasses.replace(page, items=items)


async def agreements_by_id(conn: asyncpg.Connection, ids: Sequence[UUID]) -> dict[UUID, Row]:
    rows = await conn.fetch(f"SELECT {COLUMNS} FROM agreements WHERE id = ANY($1::uuid[])",
                            list(ids))
    return {r["id"]: decode_json(dict(r), JSON_COLUMNS) for r in rows}


async def list_agreements(
    conn: asyncpg.Connection, first: int, after: str | None, visibility: Visibility,
    f: AgreementFilter,
) -> Page[Any]:
    listing = restrict(Listing("agreements", COLUMNS, NEWEST_FIRST), visibility,
                       ("corporate_id", "startup_id"))
    if f.status:
        listing.filter("status = {}", f.status)
    if f.kind:
        listing.filter("kind = {}", f.kind)
    if f.organisation_id:
        listing.filter("(corporate_id = {} OR startup_id = {})", f.organisation_id,
                       f.organisation_id)
    return decoded(await listing.page(conn, first, after), JSON_COLUMNS)


# In force past their duration (the domain decides; this only finds candidates).
# Months are added to the UTC time, as the domain adds them: in a session's own
# time zone the end of a month and daylight saving would move the end by hours
# or days.
DUE = """
SELECT id FROM agreements
WHERE status = 'IN_FORCE'
  AND (in_force_at AT TIME ZONE 'UTC'
       + make_interval(months => (terms->>'duration_months')::int)) AT TIME ZONE 'UTC' <= $1
ORDER BY in_force_at LIMIT $2"""


async def due_for_expiry(db: asyncpg.Pool | asyncpg.Connection, now: datetime,
                         limit: int = 500) -> list[UUID]:
    """Agreements in force whose duration has run out at `now`, oldest first."""
    return [row["id"] for row in await db.fetch(DUE, now, limit)]
