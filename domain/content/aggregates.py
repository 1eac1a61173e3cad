"""Resource, CaseStudy and Event aggregates (the stream types of open content).
Public methods decide; private `@event` methods only assign, so replay never
re-runs a rule."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import ForbiddenError, InvalidError, RuleViolationError

Meta = dict[str, Any]

RESOURCE_KINDS = ("GUIDE", "ARTICLE", "VIDEO", "TEMPLATE")


class Resource(Aggregate):
    """A guide, article, video or template published by the operator."""

    @event("ResourcePublished")
    def __init__(self, kind: str, title: str, body: str, tags: list[str], meta: Meta) -> None:
        self.kind = kind
        self.title = title
        self.body = body
        self.tags = tags


class CaseStudy(Aggregate):
    """The story of a collaboration, public only once both parties consented."""

    @event("CaseStudyProposed")
    def __init__(
        self,
        agreement_id: str,
        corporate_id: str,
        startup_id: str,
        title: str,
        summary: str,
        meta: Meta,
    ) -> None:
        self.agreement_id = agreement_id
        self.corporate_id = corporate_id
        self.startup_id = startup_id
        self.title = title
        self.summary = summary
        self.consented_by: list[str] = []
        self.published = False

    @property
    def parties(self) -> tuple[str, str]:
        return (self.corporate_id, self.startup_id)

    def consent(self, organisation_id: UUID, meta: Meta) -> None:
        """Records one party's consent; the second consent publishes the study."""
        org = str(organisation_id)
        if org not in self.parties:
            raise ForbiddenError("Only the two parties of the agreement consent",
                                 ("input", "organisationId"))
        if org in self.consented_by:
            raise RuleViolationError("This organisation has already consented",
                                     ("input", "organisationId"))
        self._consented(organisation_id=org, meta=meta)
        if set(self.consented_by) == set(self.parties):
            self._published(meta=meta)

    @event("CaseStudyConsented")
    def _consented(self, organisation_id: str, meta: Meta) -> None:
        self.consented_by = [*self.consented_by, organisation_id]

    @event("CaseStudyPublished")
    def _published(self, meta: Meta) -> None:
        self.published = True


class Event(Aggregate):
    """A meeting organised by the operator, with a capacity in organisations.

    (Named Event because the stream type is the class name; GraphQL calls it
    PlatformEvent.)"""

    @event("EventScheduled")
    def __init__(
        self, title: str, starts_at: str, location: str, capacity: int, meta: Meta
    ) -> None:
        self.title = title
        self.starts_at = starts_at  # ISO-8601, as recorded
        self.location = location
        self.capacity = capacity
        self.registered: list[str] = []
        self.cancelled = False

    @classmethod
    def schedule(
        cls, title: str, starts_at: datetime, location: str, capacity: int, meta: Meta
    ) -> Event:
        """Validates, then records EventScheduled."""
        if capacity < 1:
            raise InvalidError("The capacity is at least 1", ("input", "capacity"))
        if starts_at.tzinfo is None:
            raise InvalidError("The start needs a time zone", ("input", "startsAt"))
        return cls(title=title, starts_at=starts_at.isoformat(), location=location,
                   capacity=capacity, meta=meta)

    @property
    def full(self) -> bool:
        return len(self.registered) >= self.capacity

    def has_started(self, now: datetime) -> bool:
        return datetime.fromisoformat(self.starts_at) <= now

    def register_organisation(self, organisation_id: UUID, now: datetime, meta: Meta) -> None:
        """One seat per organisation, while seats remain and before it starts."""
        org = str(organisation_id)
        if self.cancelled:
            raise RuleViolationError("The event is cancelled")
        if self.has_started(now):
            raise RuleViolationError("The event has already started")
        if org in self.registered:
            raise RuleViolationError("This organisation is already registered",
                                     ("input", "organisationId"))
        if self.full:
            raise RuleViolationError(f"The event is full ({self.capacity} organisations)")
        self._registration_recorded(organisation_id=org, meta=meta)

    @event("EventRegistrationRecorded")
    def _registration_recorded(self, organisation_id: str, meta: Meta) -> None:
        self.registered = [*self.registered, organisation_id]

    def cancel(self, meta: Meta) -> None:
        if self.cancelled:
            raise RuleViolationError("The event is already cancelled")
        self._cancelled(meta=meta)

    @event("EventCancelled")
    def _cancelled(self, meta: Meta) -> None:
        self.cancelled = True
