"""Purchase orders read model: one row per order with its running invoiced
and paid totals (Decimal, in the order's currency)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from projections.base import Row, fold_into
from projections.deals_store import ZERO, JsonRowStore, as_uuid, money_amount, stamp
from projections.entries import Entry

ORDER_COLUMNS = (
    "id", "reference", "corporate_id", "startup_id", "agreement_id", "lines", "currency",
    "total", "invoiced", "paid", "status", "reason", "version", "created_position",
    "created_at", "updated_at",
)
JSON_COLUMNS = ("lines",)


def issued_row(entry: Entry) -> Row:
    d = entry.data
    return {
        "id": entry.stream_id, "reference": d["reference"],
        "corporate_id": as_uuid(d["corporate_id"]), "startup_id": as_uuid(d["startup_id"]),
        "agreement_id": as_uuid(d.get("agreement_id")), "lines": d["lines"],
        "currency": d["total"]["currency"], "total": money_amount(d["total"]),
        "invoiced": ZERO, "paid": ZERO, "status": "ISSUED", "reason": None,
        "version": entry.version, "created_position": entry.position,
        "created_at": entry.occurred_at, "updated_at": entry.occurred_at,
    }


def changes_of(row: Row, entry: Entry) -> dict[str, Any]:
    """The columns an event after the issue changes."""
    d = entry.data
    match entry.type:
        case "OrderAccepted":
            return {"status": "ACCEPTED"}
        case "OrderRejected":
            return {"status": "REJECTED", "reason": d.get("reason")}
        case "OrderDelivered":
            return {"status": "DELIVERED"}
        case "OrderInvoiced":
            return {"status": "INVOICED", "invoiced": row["invoiced"] + money_amount(d["amount"])}
        case "OrderPaymentRecorded":
            paid = row["paid"] + money_amount(d["amount"])
            return {"paid": paid, "status": "PAID" if paid == row["total"] else "INVOICED"}
        case "OrderCancelled":
            return {"status": "CANCELLED", "reason": d.get("reason")}
    return {}


def evolve_order(row: Row | None, entry: Entry) -> Row | None:
    """Pure: the order row after this entry (None for other streams)."""
    if entry.type == "OrderIssued":
        return issued_row(entry)
    if row is None:
        return None
    return stamp({**row, **changes_of(row, entry)}, entry.version, entry.occurred_at)


class OrdersProjection:
    """Keeps `purchase_orders`."""

    name = "purchase_orders"
    # The stream types it folds: a rebuild of it alone reads only those.
    stream_types = frozenset({"PurchaseOrder"})
    tables: tuple[str, ...] = ("purchase_orders",)

    def __init__(self) -> None:
        self.rows = JsonRowStore("purchase_orders", ("id",), ORDER_COLUMNS, JSON_COLUMNS)

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        mine = [e for e in entries if e.stream_type == "PurchaseOrder"]
        await fold_into(conn, self.rows, mine, lambda e: (e.stream_id,), evolve_order,
                        stream_rows=True)
