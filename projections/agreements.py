"""Agreements read model: one row per agreement, its current revision's terms
and the signatures of that revision (an amendment empties them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from projections.base import Row, fold_into
from projections.deals_store import JsonRowStore, as_uuid, stamp
from projections.entries import Entry

AGREEMENT_COLUMNS = (
    "id", "kind", "title", "corporate_id", "startup_id", "application_id", "revision",
    "terms", "terms_hash", "signatures", "status", "in_force_at", "termination_reason",
    "rejection_reason", "version", "created_position", "created_at", "updated_at",
)
JSON_COLUMNS = ("terms", "signatures")


def proposed_row(entry: Entry) -> Row:
    d = entry.data
    return {
        "id": entry.stream_id, "kind": d["kind"], "title": d["title"],
        "corporate_id": as_uuid(d["corporate_id"]), "startup_id": as_uuid(d["startup_id"]),
        "application_id": as_uuid(d.get("application_id")), "revision": d["revision"],
        "terms": d["terms"], "terms_hash": d["terms_hash"], "signatures": [],
        "status": "NEGOTIATING", "in_force_at": None, "termination_reason": None,
        "rejection_reason": None, "version": entry.version,
        "created_position": entry.position, "created_at": entry.occurred_at,
        "updated_at": entry.occurred_at,
    }


def signature_of(entry: Entry) -> dict[str, Any]:
    d = entry.data
    return {"organisation_id": str(d["organisation_id"]), "user_id": d["user_id"],
            "signed_at": entry.occurred_at.isoformat(), "revision": d["revision"],
            "terms_hash": d["terms_hash"]}


def changes_of(row: Row, entry: Entry) -> dict[str, Any]:
    """The columns an event after the proposal changes."""
    d = entry.data
    match entry.type:
        case "AgreementAmended":
            return {"terms": d["terms"], "terms_hash": d["terms_hash"],
                    "revision": d["revision"], "signatures": []}
        case "AgreementSigned":
            return {"signatures": [*row["signatures"], signature_of(entry)]}
        case "AgreementEnteredIntoForce":
            return {"status": "IN_FORCE", "in_force_at": entry.occurred_at}
        case "AgreementRejected":
            return {"status": "REJECTED", "rejection_reason": d.get("reason")}
        case "AgreementTerminated":
            return {"status": "TERMINATED", "termination_reason": d.get("reason")}
        case "AgreementExpired":
            return {"status": "EXPIRED"}
    return {}


def evolve_agreement(row: Row | None, entry: Entry) -> Row | None:
    """Pure: the agreement row after this entry (None for other streams)."""
    if entry.type == "AgreementProposed":
        return proposed_row(entry)
    if row is None:
        return None
    return stamp({**row, **changes_of(row, entry)}, entry.version, entry.occurred_at)


class AgreementsProjection:
    """Keeps `agreements`."""

    name = "agreements"
    # The stream types it folds: a rebuild of it alone reads only those.
    stream_types = frozenset({"Agreement"})
    tables: tuple[str, ...] = ("agreements",)

    def __init__(self) -> None:
        self.rows = JsonRowStore("agreements", ("id",), AGREEMENT_COLUMNS, JSON_COLUMNS)

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        mine = [e for e in entries if e.stream_type == "Agreement"]
        await fold_into(conn, self.rows, mine, lambda e: (e.stream_id,), evolve_agreement,
                        stream_rows=True)
