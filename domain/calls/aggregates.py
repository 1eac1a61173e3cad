"""The Call and Application aggregates. Public methods decide (time comes in as
`now`, never from the clock); private `@event` methods only assign."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.calls.rules import (
    CallStatus,
    criteria_problem,
    deadline_from,
    require_future,
    require_status,
)
from domain.errors import InvalidError, RuleViolationError

Meta = dict[str, Any]


class Call(Aggregate):
    """A corporate's call for projects: a challenge, weighted criteria, a deadline."""

    if TYPE_CHECKING:  # assigned by the events (class annotations would become event fields)
        corporate_id: UUID
        status: str
        deadline: str
        criteria: list[dict[str, Any]]

    @classmethod
    def draft(
        cls, corporate_id: UUID, title: str, challenge: str, sectors: list[str],
        technologies: list[str], criteria: list[dict[str, Any]],
        budget: dict[str, str] | None, deadline: datetime, now: datetime, meta: Meta,
    ) -> Call:
        """A new draft; its criteria must already be publishable (drafts cannot be edited)."""
        problem = criteria_problem([(c["name"], c["weight"]) for c in criteria])
        if problem:
            raise InvalidError(problem, ("input", "criteria"))
        require_future(deadline, now)
        return cls(corporate_id=corporate_id, title=title, challenge=challenge,
                   sectors=sectors, technologies=technologies, criteria=criteria,
                   budget=budget, deadline=deadline.astimezone(UTC).isoformat(), meta=meta)

    @event("CallDrafted")
    def __init__(
        self, corporate_id: UUID, title: str, challenge: str, sectors: list[str],
        technologies: list[str], criteria: list[dict[str, Any]],
        budget: dict[str, str] | None, deadline: str, meta: Meta,
    ) -> None:
        self.corporate_id = corporate_id
        self.title = title
        self.challenge = challenge
        self.sectors = sectors
        self.technologies = technologies
        self.criteria = criteria
        self.budget = budget
        self.deadline = deadline
        self.status = CallStatus.DRAFT.value

    @property
    def deadline_at(self) -> datetime:
        return deadline_from(self.deadline)

    @property
    def criterion_names(self) -> list[str]:
        return [c["name"] for c in self.criteria]

    def accepts_applications(self, now: datetime) -> bool:
        """Published and before its deadline (closeCall not needed to stop them)."""
        return self.status == CallStatus.PUBLISHED and now < self.deadline_at

    def publish(self, now: datetime, meta: Meta) -> None:
        require_status(self.status, (CallStatus.DRAFT,), "publish")
        problem = criteria_problem([(c["name"], c["weight"]) for c in self.criteria])
        if problem:
            raise RuleViolationError(problem)
        require_future(self.deadline_at, now)
        self._published(meta=meta)

    @event("CallPublished")
    def _published(self, meta: Meta) -> None:
        self.status = CallStatus.PUBLISHED.value

    def extend_deadline(self, deadline: datetime, now: datetime, meta: Meta) -> None:
        """Once published only the deadline may change, and only to a later one."""
        require_status(self.status, (CallStatus.DRAFT, CallStatus.PUBLISHED), "extend")
        if deadline <= self.deadline_at:
            raise RuleViolationError("The new deadline must be later than the current one",
                                     ("input", "deadline"))
        require_future(deadline, now)
        self._deadline_extended(deadline=deadline.astimezone(UTC).isoformat(), meta=meta)

    @event("CallDeadlineExtended")
    def _deadline_extended(self, deadline: str, meta: Meta) -> None:
        self.deadline = deadline

    def close(self, meta: Meta) -> None:
        require_status(self.status, (CallStatus.PUBLISHED,), "close")
        self._closed(meta=meta)

    @event("CallClosed")
    def _closed(self, meta: Meta) -> None:
        self.status = CallStatus.CLOSED.value

    def start_evaluation(self, meta: Meta) -> None:
        require_status(self.status, (CallStatus.CLOSED,), "start evaluating")
        self._evaluation_started(meta=meta)

    @event("CallEvaluationStarted")
    def _evaluation_started(self, meta: Meta) -> None:
        self.status = CallStatus.EVALUATING.value

    def cancel(self, reason: str | None, meta: Meta) -> None:
        """From any state before AWARDED."""
        require_status(self.status, (CallStatus.DRAFT, CallStatus.PUBLISHED, CallStatus.CLOSED,
                                     CallStatus.EVALUATING), "cancel")
        self._cancelled(reason=reason, meta=meta)

    @event("CallCancelled")
    def _cancelled(self, reason: str | None, meta: Meta) -> None:
        self.status = CallStatus.CANCELLED.value

    def award(self, selected: list[UUID], meta: Meta) -> None:
        """To its SELECTED applications (found by the service, checked on their streams)."""
        require_status(self.status, (CallStatus.EVALUATING,), "award")
        if not selected:
            raise RuleViolationError("Awarding needs at least one SELECTED application")
        self._awarded(application_ids=sorted(selected, key=str), meta=meta)

    @event("CallAwarded")
    def _awarded(self, application_ids: list[UUID], meta: Meta) -> None:
        self.status = CallStatus.AWARDED.value
        self.awarded = application_ids
