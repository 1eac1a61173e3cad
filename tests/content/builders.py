"""Aggregates given in a known state, and what a command then records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.content.aggregates import CaseStudy, Event

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
META: dict[str, Any] = {"userId": "op", "role": "OPERATOR", "correlationId": "c-1"}
CORPORATE = UUID("00000000-0000-4000-8000-00000000c0c0")
STARTUP = UUID("00000000-0000-4000-8000-00000000057a")
OUTSIDER = UUID("00000000-0000-4000-8000-0000000000ff")
AGREEMENT = UUID("00000000-0000-4000-8000-0000000a6ee0")


def org(n: int) -> UUID:
    return UUID(int=n)


def propose_case_study() -> CaseStudy:
    """A case study about AGREEMENT (CORPORATE and STARTUP), its event pending."""
    return CaseStudy(agreement_id=str(AGREEMENT), corporate_id=str(CORPORATE),
                     startup_id=str(STARTUP), title="Du pilote au déploiement",
                     summary="Six mois de collaboration.", meta=META)


def given_case_study(consented: Iterable[UUID] = ()) -> CaseStudy:
    """Given a proposed case study with these parties' consents already recorded."""
    study = propose_case_study()
    for party in consented:
        study.consent(party, META)
    study.collect_events()
    return study


def given_event(capacity: int = 2, registered: Iterable[UUID] = (), *,
                starts_in: timedelta = timedelta(days=7), cancelled: bool = False) -> Event:
    """Given an event starting `starts_in` after NOW, with these registrations."""
    scheduled = Event.schedule("Rencontres", NOW + starts_in, "Lyon", capacity, META)
    for organisation in registered:
        scheduled.register_organisation(organisation, NOW - timedelta(days=30), META)
    if cancelled:
        scheduled.cancel(META)
    scheduled.collect_events()
    return scheduled


def recorded(aggregate: Aggregate) -> list[tuple[str, dict[str, Any]]]:
    """Then: the events the command recorded (type and fields, without meta)."""
    events = []
    for e in aggregate.collect_events():
        fields = {k: v for k, v in e.__dict__.items()
                  if k not in {"originator_id", "originator_version", "originator_topic",
                                "timestamp", "meta"}}
        events.append((type(e).__name__, fields))
    return events
