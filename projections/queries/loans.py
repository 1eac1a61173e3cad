"""Queries over the scale-up loans read model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from projections.base import Row
from projections.loans import LOAN_COLUMNS
from projections.pagination import Page
from projections.queries.agreements import NEWEST_FIRST, Visibility, restrict
from projections.queries.listing import Listing

COLUMNS = ", ".join(LOAN_COLUMNS)


async def loans_by_id(conn: asyncpg.Connection, ids: Sequence[UUID]) -> dict[UUID, Row]:
    rows = await conn.fetch(f"SELECT {COLUMNS} FROM loans WHERE id = ANY($1::uuid[])", list(ids))
    return {r["id"]: dict(r) for r in rows}


async def list_loans(
    conn: asyncpg.Connection, first: int, after: str | None, visibility: Visibility,
    startup_id: UUID | None, status: str | None,
) -> Page[Any]:
    """Only the borrower is a party: the corporate of the agreement never lists it."""
    listing = restrict(Listing("loans", COLUMNS, NEWEST_FIRST), visibility, ("startup_id",))
    if startup_id:
        listing.filter("startup_id = {}", startup_id)
    if status:
        listing.filter("status = {}", status)
    page: Page[Any] = await listing.page(conn, first, after)
    return page
