"""Organisations read model: the directory rows and the membership table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from projections.base import Row, RowStore, fold_into
from projections.entries import Entry

ORGANISATION_COLUMNS = (
    "id", "kind", "name", "siren", "description", "website", "city", "founded_year",
    "sectors", "technologies", "labels", "sector", "community_member", "version",
    "created_at", "updated_at",
)
PROFILE_FIELDS = frozenset(
    {"name", "description", "website", "city", "sectors", "technologies", "sector"}
)
REGISTERED = {"StartupRegistered": "STARTUP", "CorporateRegistered": "CORPORATE"}


def registered_row(entry: Entry, kind: str) -> Row:
    d = entry.data
    return {
        "id": entry.stream_id, "kind": kind, "name": d["name"], "siren": d["siren"],
        "description": d["description"], "website": d.get("website"), "city": d.get("city"),
        "founded_year": d.get("founded_year"), "sectors": d.get("sectors", []),
        "technologies": d.get("technologies", []), "labels": [], "sector": d.get("sector"),
        "community_member": False, "version": entry.version,
        "created_at": entry.occurred_at, "updated_at": entry.occurred_at,
    }


def changes_of(row: Row, entry: Entry) -> dict[str, Any]:
    """The columns an event (other than registration) changes."""
    d = entry.data
    match entry.type:
        case "StartupProfileUpdated" | "CorporateProfileUpdated":
            return {k: v for k, v in d["changes"].items() if k in PROFILE_FIELDS}
        case "LabelGranted":
            return {"labels": [*row["labels"], d["label"]]}
        case "LabelRevoked":
            return {"labels": [x for x in row["labels"] if x != d["label"]]}
        case "AdmittedToCommunity":
            return {"community_member": True}
    return {}


def evolve_organisation(row: Row | None, entry: Entry) -> Row | None:
    """Pure: the organisation row after this entry."""
    if entry.type in REGISTERED:
        return registered_row(entry, REGISTERED[entry.type])
    if row is None:
        return None
    return {**row, **changes_of(row, entry), "version": entry.version,
            "updated_at": entry.occurred_at}


def member_key(entry: Entry) -> tuple[Any, ...] | None:
    d = entry.data
    if entry.type in REGISTERED:
        return (entry.stream_id, d["admin_user_id"])
    if entry.type == "MemberAdded":
        return (entry.stream_id, d["user_id"])
    return None


def evolve_member(row: Row | None, entry: Entry) -> Row | None:
    """Pure: the membership row after a registration or MemberAdded."""
    d = entry.data
    if entry.type in REGISTERED:
        user, role, contact = d["admin_user_id"], "ADMIN", d["admin_contact"]
    else:
        user, role, contact = d["user_id"], d["role"], d["contact"]
    return {"organisation_id": entry.stream_id, "user_id": user, "role": role,
            "contact": contact, "added_at": entry.occurred_at}


class OrganisationsProjection:
    """Keeps `organisations` and `organisation_members`."""

    name = "organisations"
    tables = ("organisations", "organisation_members")
    stream_types = frozenset({"Startup", "Corporate"})

    def __init__(self) -> None:
        self.rows = RowStore("organisations", ("id",), ORGANISATION_COLUMNS)
        self.members = RowStore(
            "organisation_members", ("organisation_id", "user_id"),
            ("organisation_id", "user_id", "role", "contact", "added_at"),
        )

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        mine = [e for e in entries if e.stream_type in self.stream_types]
        await fold_into(conn, self.rows, mine, lambda e: (e.stream_id,), evolve_organisation,
                        stream_rows=True)
        await fold_into(conn, self.members, mine, member_key, evolve_member, stream_rows=True)
