"""Directory read model: one row per solution (withdrawn ones stay, flagged)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from projections.base import Row, RowStore, fold_into
from projections.entries import Entry, uuid_of

SOLUTION_COLUMNS = (
    "id", "startup_id", "title", "summary", "technologies", "sectors", "trl", "status",
    "version", "created_at", "updated_at",
)
UPDATABLE = frozenset({"title", "summary", "technologies", "sectors", "trl"})


def published_row(entry: Entry) -> Row:
    d = entry.data
    return {
        "id": entry.stream_id, "startup_id": uuid_of(d["startup_id"]), "title": d["title"],
        "summary": d["summary"], "technologies": list(d.get("technologies", [])),
        "sectors": list(d.get("sectors", [])), "trl": d["trl"], "status": "PUBLISHED",
        "version": entry.version, "created_at": entry.occurred_at,
        "updated_at": entry.occurred_at,
    }


def changes_of(entry: Entry) -> dict[str, Any]:
    match entry.type:
        case "SolutionUpdated":
            return {k: v for k, v in entry.data["changes"].items() if k in UPDATABLE}
        case "SolutionWithdrawn":
            return {"status": "WITHDRAWN"}
    return {}


def evolve_solution(row: Row | None, entry: Entry) -> Row | None:
    """Pure: the solution row after this entry."""
    if entry.type == "SolutionPublished":
        return published_row(entry)
    if row is None:
        return None
    return {**row, **changes_of(entry), "version": entry.version,
            "updated_at": entry.occurred_at}


class DirectoryProjection:
    """Keeps `solutions`."""

    name: str = "directory"
    # The stream types it folds: a rebuild of it alone reads only those.
    stream_types = frozenset({"Solution"})
    tables: tuple[str, ...] = ("solutions",)

    def __init__(self) -> None:
        self.rows = RowStore("solutions", ("id",), SOLUTION_COLUMNS)

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        mine = [e for e in entries if e.stream_type == "Solution"]
        await fold_into(conn, self.rows, mine, lambda e: (e.stream_id,), evolve_solution,
                        stream_rows=True)
