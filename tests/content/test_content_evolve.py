"""The content read models' pure `evolve` functions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from projections.content import evolve_case_study, evolve_event, evolve_resource
from projections.entries import Entry
from tests.content.builders import AGREEMENT, CORPORATE, STARTUP

T0 = datetime(2024, 5, 1, tzinfo=UTC)
STREAM = UUID(int=42)


def entry(version: int, type: str, stream_type: str, **data: Any) -> Entry:
    return Entry(position=version, stream_id=STREAM, version=version, stream_type=stream_type,
                 type=type, occurred_at=T0.replace(day=version), data=data, meta={}, topic="",
                 state=b"", hash=b"", previous_hash=None, ledger_hash=b"")


def test_a_published_resource_becomes_a_row() -> None:
    row = evolve_resource(None, entry(1, "ResourcePublished", "Resource", kind="GUIDE",
                                      title="Guide", body="Texte", tags=["pilote"]))
    assert row == {"id": STREAM, "kind": "GUIDE", "title": "Guide", "body": "Texte",
                   "tags": ["pilote"], "version": 1, "created_at": T0,
                   "updated_at": T0}


def test_a_case_study_is_published_by_its_last_event() -> None:
    events = [
        entry(1, "CaseStudyProposed", "CaseStudy", agreement_id=str(AGREEMENT),
              corporate_id=str(CORPORATE), startup_id=str(STARTUP), title="T", summary="S"),
        entry(2, "CaseStudyConsented", "CaseStudy", organisation_id=str(STARTUP)),
        entry(3, "CaseStudyConsented", "CaseStudy", organisation_id=str(CORPORATE)),
        entry(4, "CaseStudyPublished", "CaseStudy"),
    ]
    row = None
    for e in events:
        row = evolve_case_study(row, e)
        assert row is not None
        assert row["published"] is (e.version == 4)
    assert row is not None
    assert row["consented_by"] == [STARTUP, CORPORATE]
    assert (row["published_at"], row["version"]) == (T0.replace(day=4), 4)


def test_an_event_row_counts_registrations_and_cancellation() -> None:
    row = evolve_event(None, entry(1, "EventScheduled", "Event", title="Rencontres",
                                   starts_at="2024-06-01T09:00:00+02:00", location="Lyon",
                                   capacity=3))
    row = evolve_event(row, entry(2, "EventRegistrationRecorded", "Event",
                                  organisation_id=str(STARTUP)))
    row = evolve_event(row, entry(3, "EventCancelled", "Event"))
    assert row is not None
    assert row["starts_at"] == datetime(2024, 6, 1, 7, tzinfo=UTC)
    assert (row["registered"], row["cancelled"], row["version"]) == ([STARTUP], True, 3)


def test_an_entry_without_a_row_leaves_none() -> None:
    assert evolve_event(None, entry(2, "EventCancelled", "Event")) is None
