"""Calls read model: one row per call and one per application."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from projections.base import Row, RowStore, fold_into
from projections.entries import Entry, uuid_of

CALL_COLUMNS = (
    "id", "corporate_id", "title", "challenge", "sectors", "technologies", "criteria_names",
    "criteria_weights", "budget_amount", "budget_currency", "deadline", "status",
    "published_at", "awarded_application_ids", "cancel_reason", "version", "created_at",
    "updated_at",
)
APPLICATION_COLUMNS = (
    "id", "call_id", "startup_id", "corporate_id", "solution_id", "pitch", "status",
    "score_criteria", "score_evaluators", "score_values", "decision_reason", "version",
    "created_at", "updated_at",
)


def _instant(iso: str) -> datetime:
    parsed = datetime.fromisoformat(iso)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def drafted_row(entry: Entry) -> Row:
    d, budget = entry.data, entry.data.get("budget")
    return {
        "id": entry.stream_id, "corporate_id": uuid_of(d["corporate_id"]),
        "title": d["title"], "challenge": d["challenge"], "sectors": list(d["sectors"]),
        "technologies": list(d["technologies"]),
        "criteria_names": [c["name"] for c in d["criteria"]],
        "criteria_weights": [c["weight"] for c in d["criteria"]],
        "budget_amount": Decimal(budget["amount"]) if budget else None,
        "budget_currency": budget["currency"] if budget else None,
        "deadline": _instant(d["deadline"]), "status": "DRAFT", "published_at": None,
        "awarded_application_ids": [], "cancel_reason": None, "version": entry.version,
        "created_at": entry.occurred_at, "updated_at": entry.occurred_at,
    }


CALL_STATUS_AFTER = {
    "CallClosed": "CLOSED", "CallEvaluationStarted": "EVALUATING",
}


def call_changes(entry: Entry) -> dict[str, Any]:
    d = entry.data
    match entry.type:
        case "CallPublished":
            return {"status": "PUBLISHED", "published_at": entry.occurred_at}
        case "CallDeadlineExtended":
            return {"deadline": _instant(d["deadline"])}
        case "CallCancelled":
            return {"status": "CANCELLED", "cancel_reason": d.get("reason")}
        case "CallAwarded":
            return {"status": "AWARDED",
                    "awarded_application_ids": [uuid_of(i) for i in d["application_ids"]]}
        case kind if kind in CALL_STATUS_AFTER:
            return {"status": CALL_STATUS_AFTER[kind]}
    return {}


def evolve_call(row: Row | None, entry: Entry) -> Row | None:
    """Pure: the call row after this entry."""
    if entry.type == "CallDrafted":
        return drafted_row(entry)
    if row is None:
        return None
    return {**row, **call_changes(entry), "version": entry.version,
            "updated_at": entry.occurred_at}


def submitted_row(entry: Entry) -> Row:
    d = entry.data
    return {
        "id": entry.stream_id, "call_id": uuid_of(d["call_id"]),
        "startup_id": uuid_of(d["startup_id"]), "corporate_id": uuid_of(d["corporate_id"]),
        "solution_id": uuid_of(d["solution_id"]) if d.get("solution_id") else None,
        "pitch": d["pitch"], "status": "SUBMITTED", "score_criteria": [],
        "score_evaluators": [], "score_values": [], "decision_reason": None,
        "version": entry.version, "created_at": entry.occurred_at,
        "updated_at": entry.occurred_at,
    }


def scored(row: Row, criterion: str, evaluator: str, value: int) -> dict[str, Any]:
    """The score arrays with (criterion, evaluator) set to value, replacing a prior score."""
    kept = [(c, e, v) for c, e, v in zip(row["score_criteria"], row["score_evaluators"],
                                         row["score_values"], strict=True)
            if (c, e) != (criterion, evaluator)]
    kept.append((criterion, evaluator, value))
    return {"score_criteria": [c for c, _, _ in kept], "score_evaluators": [e for _, e, _ in kept],
            "score_values": [v for _, _, v in kept]}


APPLICATION_STATUS_AFTER = {
    "ApplicationWithdrawn": "WITHDRAWN", "ApplicationShortlisted": "SHORTLISTED",
    "ApplicationSelected": "SELECTED",
}


def application_changes(row: Row, entry: Entry) -> dict[str, Any]:
    d = entry.data
    match entry.type:
        case "ApplicationScored":
            return scored(row, d["criterion"], d["evaluator_id"], d["value"])
        case "ApplicationRejected":
            return {"status": "REJECTED", "decision_reason": d["reason"]}
        case kind if kind in APPLICATION_STATUS_AFTER:
            return {"status": APPLICATION_STATUS_AFTER[kind]}
    return {}


def evolve_application(row: Row | None, entry: Entry) -> Row | None:
    """Pure: the application row after this entry."""
    if entry.type == "ApplicationSubmitted":
        return submitted_row(entry)
    if row is None:
        return None
    return {**row, **application_changes(row, entry), "version": entry.version,
            "updated_at": entry.occurred_at}


class CallsProjection:
    """Keeps `calls` and `applications`."""

    name: str = "calls"
    # The stream types it folds: a rebuild of it alone reads only those.
    stream_types = frozenset({"Call", "Application"})
    tables: tuple[str, ...] = ("calls", "applications")

    def __init__(self) -> None:
        self.calls = RowStore("calls", ("id",), CALL_COLUMNS)
        self.applications = RowStore("applications", ("id",), APPLICATION_COLUMNS)

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        calls = [e for e in entries if e.stream_type == "Call"]
        applications = [e for e in entries if e.stream_type == "Application"]
        await fold_into(conn, self.calls, calls, lambda e: (e.stream_id,), evolve_call,
                        stream_rows=True)
        await fold_into(conn, self.applications, applications, lambda e: (e.stream_id,),
                        evolve_application, stream_rows=True)
