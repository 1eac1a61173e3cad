"""Queries over the purchase orders read model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from projections.base import Row
from projections.deals_store import decode_json
from projections.orders import JSON_COLUMNS, ORDER_COLUMNS
from projections.pagination import Page
from projections.queries.agreements import NEWEST_FIRST, Visibility, decoded, restrict
from projections.queries.listing import Listing

COLUMNS = ", ".join(ORDER_COLUMNS)


async def orders_by_id(conn: asyncpg.Connection, ids: Sequence[UUID]) -> dict[UUID, Row]:
    rows = await conn.fetch(
        f"SELECT {COLUMNS} FROM purchase_orders WHERE id = ANY($1::uuid[])", list(ids))
    return {r["id"]: decode_json(dict(r), JSON_COLUMNS) for r in rows}


async def list_orders(
    conn: asyncpg.Connection, first: int, after: str | None, visibility: Visibility,
    organisation_id: UUID | None, status: str | None,
) -> Page[Any]:
    listing = restrict(Listing("purchase_orders", COLUMNS, NEWEST_FIRST), visibility,
                       ("corporate_id", "startup_id"))
    if organisation_id:
        listing.filter("(corporate_id = {} OR startup_id = {})", organisation_id,
                       organisation_id)
    if status:
        listing.filter("status = {}", status)
    return decoded(await listing.page(conn, first, after), JSON_COLUMNS)
