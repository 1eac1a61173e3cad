"""The Application aggregate: a startup's answer to a call, its scores and the
corporate's decision. Rules that depend on the call take the Call aggregate."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.calls.aggregates import Call
from domain.calls.rules import UNDECIDED, ApplicationStatus, CallStatus, require_status
from domain.directory.aggregates import Solution
from domain.errors import InvalidError, RuleViolationError

Meta = dict[str, Any]


class Application(Aggregate):
    """One startup's application to one call."""

    if TYPE_CHECKING:  # assigned by the events (class annotations would become event fields)
        call_id: UUID
        startup_id: UUID
        corporate_id: UUID
        status: str
        scores: dict[str, dict[str, int]]

    @classmethod
    def submit(
        cls, call: Call, startup_id: UUID, solution: Solution | None, pitch: str,
        now: datetime, meta: Meta,
    ) -> Application:
        """Only while the call is PUBLISHED and before its deadline; the solution,
        if any, must be a published one of the applying startup."""
        if not call.accepts_applications(now):
            raise RuleViolationError(
                f"This call does not accept applications (status {call.status},"
                f" deadline {call.deadline})", ("input", "callId"))
        if solution is not None and solution.startup_id != startup_id:
            raise InvalidError("The solution belongs to another startup", ("input", "solutionId"))
        if solution is not None and not solution.is_published:
            raise RuleViolationError("The solution is withdrawn", ("input", "solutionId"))
        # corporate_id is denormalised from the call: it makes the corporate a
        # party to the stream (history, ledger, live updates).
        return cls(call_id=call.id, startup_id=startup_id, corporate_id=call.corporate_id,
                   solution_id=solution.id if solution else None, pitch=pitch, meta=meta)

    @event("ApplicationSubmitted")
    def __init__(
        self, call_id: UUID, startup_id: UUID, corporate_id: UUID, solution_id: UUID | None,
        pitch: str, meta: Meta,
    ) -> None:
        self.call_id = call_id
        self.startup_id = startup_id
        self.corporate_id = corporate_id
        self.solution_id = solution_id
        self.pitch = pitch
        self.status = ApplicationStatus.SUBMITTED.value
        self.scores = {}

    def withdraw(self, reason: str | None, meta: Meta) -> None:
        """By the startup, until the corporate decides."""
        require_status(self.status, UNDECIDED, "withdraw")
        self._withdrawn(reason=reason, meta=meta)

    @event("ApplicationWithdrawn")
    def _withdrawn(self, reason: str | None, meta: Meta) -> None:
        self.status = ApplicationStatus.WITHDRAWN.value

    def score(self, call: Call, criterion: str, value: int, evaluator_id: str, meta: Meta) -> None:
        """0 to 10 on one of the call's criteria, only while it is EVALUATING; the same
        evaluator scoring the same criterion again replaces the score."""
        self._require_evaluating(call)
        if criterion not in call.criterion_names:
            raise InvalidError(f"The call has no criterion {criterion!r}", ("input", "criterion"))
        if not 0 <= value <= 10:
            raise InvalidError("A score is from 0 to 10", ("input", "value"))
        require_status(self.status, UNDECIDED, "score")
        self._scored(criterion=criterion, value=value, evaluator_id=evaluator_id, meta=meta)

    @event("ApplicationScored")
    def _scored(self, criterion: str, value: int, evaluator_id: str, meta: Meta) -> None:
        self.scores = {**self.scores,
                       criterion: {**self.scores.get(criterion, {}), evaluator_id: value}}

    def shortlist(self, call: Call, meta: Meta) -> None:
        self._require_evaluating(call)
        require_status(self.status, (ApplicationStatus.SUBMITTED,), "shortlist")
        self._shortlisted(meta=meta)

    @event("ApplicationShortlisted")
    def _shortlisted(self, meta: Meta) -> None:
        self.status = ApplicationStatus.SHORTLISTED.value

    def select(self, call: Call, meta: Meta) -> None:
        """Needs a score on every criterion of the call."""
        self._require_evaluating(call)
        require_status(self.status, UNDECIDED, "select")
        missing = [name for name in call.criterion_names if not self.scores.get(name)]
        if missing:
            raise RuleViolationError(f"Score every criterion first (missing: {', '.join(missing)})")
        self._selected(meta=meta)

    @event("ApplicationSelected")
    def _selected(self, meta: Meta) -> None:
        self.status = ApplicationStatus.SELECTED.value

    def reject(self, call: Call, reason: str, meta: Meta) -> None:
        self._require_evaluating(call)
        require_status(self.status, UNDECIDED, "reject")
        self._rejected(reason=reason, meta=meta)

    @event("ApplicationRejected")
    def _rejected(self, reason: str, meta: Meta) -> None:
        self.status = ApplicationStatus.REJECTED.value
        self.decision_reason = reason

    @staticmethod
    def _require_evaluating(call: Call) -> None:
        if call.status != CallStatus.EVALUATING:
            raise RuleViolationError(
                f"Applications are evaluated while the call is EVALUATING, not {call.status}")
