"""Open-content read models: resources, case studies and platform events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from projections.base import Evolve, Row, RowStore, fold_into
from projections.entries import Entry, uuid_of

RESOURCE_COLUMNS = ("id", "kind", "title", "body", "tags", "version", "created_at",
                    "updated_at")
CASE_STUDY_COLUMNS = (
    "id", "agreement_id", "corporate_id", "startup_id", "title", "summary", "consented_by",
    "published", "published_at", "version", "created_at", "updated_at",
)
EVENT_COLUMNS = ("id", "title", "starts_at", "location", "capacity", "registered", "cancelled",
                 "version", "created_at", "updated_at")


def _created(entry: Entry, fields: dict[str, Any]) -> Row:
    return {"id": entry.stream_id, **fields, "version": entry.version,
            "created_at": entry.occurred_at, "updated_at": entry.occurred_at}


def _changed(row: Row | None, entry: Entry, changes: dict[str, Any]) -> Row | None:
    if row is None:
        return None
    return {**row, **changes, "version": entry.version, "updated_at": entry.occurred_at}


def evolve_resource(row: Row | None, entry: Entry) -> Row | None:
    """Pure: the resource row after this entry."""
    d = entry.data
    if entry.type == "ResourcePublished":
        return _created(entry, {"kind": d["kind"], "title": d["title"], "body": d["body"],
                                "tags": list(d.get("tags", []))})
    return _changed(row, entry, {})


def case_study_changes(row: Row, entry: Entry) -> dict[str, Any]:
    match entry.type:
        case "CaseStudyConsented":
            return {"consented_by": [*row["consented_by"], uuid_of(entry.data["organisation_id"])]}
        case "CaseStudyPublished":
            return {"published": True, "published_at": entry.occurred_at}
    return {}


def evolve_case_study(row: Row | None, entry: Entry) -> Row | None:
    """Pure: the case-study row after this entry."""
    d = entry.data
    if entry.type == "CaseStudyProposed":
        return _created(entry, {
            "agreement_id": uuid_of(d["agreement_id"]), "corporate_id": uuid_of(d["corporate_id"]),
            "startup_id": uuid_of(d["startup_id"]), "title": d["title"], "summary": d["summary"],
            "consented_by": [], "published": False, "published_at": None,
        })
    return _changed(row, entry, case_study_changes(row, entry) if row else {})


def event_changes(row: Row, entry: Entry) -> dict[str, Any]:
    match entry.type:
        case "EventRegistrationRecorded":
            return {"registered": [*row["registered"], uuid_of(entry.data["organisation_id"])]}
        case "EventCancelled":
            return {"cancelled": True}
    return {}


def evolve_event(row: Row | None, entry: Entry) -> Row | None:
    """Pure: the platform-event row after this entry."""
    d = entry.data
    if entry.type == "EventScheduled":
        return _created(entry, {
            "title": d["title"], "starts_at": datetime.fromisoformat(d["starts_at"]),
            "location": d["location"], "capacity": d["capacity"], "registered": [],
            "cancelled": False,
        })
    return _changed(row, entry, event_changes(row, entry) if row else {})


EVOLVERS: dict[str, Evolve] = {
    "Resource": evolve_resource, "CaseStudy": evolve_case_study, "Event": evolve_event,
}


class ContentProjection:
    """Keeps `resources`, `case_studies` and `platform_events`."""

    name = "content"
    # The stream types it folds: a rebuild of it alone reads only those.
    stream_types = frozenset({"Resource", "CaseStudy", "Event"})
    tables: tuple[str, ...] = ("resources", "case_studies", "platform_events")

    def __init__(self) -> None:
        self.stores = {
            "Resource": RowStore("resources", ("id",), RESOURCE_COLUMNS),
            "CaseStudy": RowStore("case_studies", ("id",), CASE_STUDY_COLUMNS),
            "Event": RowStore("platform_events", ("id",), EVENT_COLUMNS),
        }

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        for stream_type, store in self.stores.items():
            mine = [e for e in entries if e.stream_type == stream_type]
            if mine:
                await fold_into(conn, store, mine, lambda e: (e.stream_id,),
                                EVOLVERS[stream_type], stream_rows=True)
