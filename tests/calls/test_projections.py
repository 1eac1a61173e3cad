"""The read models' pure `evolve`, fed with the entries the aggregates emit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate

from domain.calls.aggregates import Call
from domain.calls.application import Application
from projections.base import Evolve, Row
from projections.calls import evolve_application, evolve_call
from projections.entries import Entry
from tests.calls.support import LATER, META, NOW, a_call

SKIPPED = ("originator_id", "originator_version", "timestamp", "originator_topic", "meta")


def entries_of(aggregate: Aggregate) -> list[Entry]:
    """The pending events as the projector reads them back (no storage involved)."""
    return [Entry(position=0, stream_id=e.originator_id, version=e.originator_version,
                  stream_type=type(aggregate).__name__, type=type(e).__name__,
                  occurred_at=datetime.now(UTC),
                  data={k: v for k, v in e.__dict__.items() if k not in SKIPPED},
                  meta=META, topic="", state=b"", hash=b"", previous_hash=None, ledger_hash=b"")
            for e in aggregate.collect_events()]


def fold(evolve: Evolve, entries: list[Entry]) -> Row | None:
    row: Row | None = None
    for entry in entries:
        row = evolve(row, entry)
    return row


def test_an_evaluators_second_score_replaces_the_first_in_the_read_model() -> None:
    call = a_call("PUBLISHED")
    application = Application.submit(call, uuid4(), None, "Pitch", NOW, META)
    call.close(META)
    call.start_evaluation(META)
    for evaluator, value in (("carol", 3), ("carol", 9), ("chloe", 4)):
        application.score(call, "Impact", value, evaluator, META)
    row: Any = fold(evolve_application, entries_of(application))
    assert list(zip(row["score_evaluators"], row["score_values"], strict=True)) == [
        ("carol", 9), ("chloe", 4)]
    assert (row["status"], row["corporate_id"]) == ("SUBMITTED", call.corporate_id)


def test_a_call_row_follows_the_status_machine_and_its_deadline() -> None:
    fresh = Call.draft(corporate_id=uuid4(), title="T", challenge="C", sectors=[],
                       technologies=[], criteria=[{"name": "Prix", "weight": 100}],
                       budget={"amount": "10.50", "currency": "EUR"}, deadline=LATER, now=NOW,
                       meta=META)
    fresh.publish(NOW, META)
    fresh.cancel("Budget", META)
    row: Any = fold(evolve_call, entries_of(fresh))
    assert (row["status"], row["cancel_reason"], row["deadline"]) == ("CANCELLED", "Budget", LATER)
    assert (str(row["budget_amount"]), row["criteria_weights"]) == ("10.50", [100])
