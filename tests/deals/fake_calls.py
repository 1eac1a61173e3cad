"""A stand-in for the calls slice's Application aggregate (issue 3), with the
attributes the deal rules read: status, startup_id, corporate_id."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event


class Application(Aggregate):
    @event("FakeApplicationSubmitted")
    def __init__(self, startup_id: UUID, corporate_id: UUID, status: str) -> None:
        self.startup_id = startup_id
        self.corporate_id = corporate_id
        self.status = status
