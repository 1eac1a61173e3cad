"""Calls for projects and their applications under random command sequences
and a moving clock: the call's statuses DRAFT → PUBLISHED → CLOSED →
EVALUATING → AWARDED (CANCELLED before), applications accepted only while the
call is published and before its deadline, decisions final, a selection only
with every criterion scored, an award only to selected applications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from domain.calls.aggregates import Call
from domain.calls.application import Application
from domain.errors import DomainError
from tests.properties.support import MACHINE_SETTINGS, META, Journal

CORPORATE = UUID(int=1)
STARTUPS = [UUID(int=10 + i) for i in range(3)]
CRITERIA: list[dict[str, Any]] = [{"name": "Impact", "weight": 60},
                                  {"name": "Team", "weight": 40}]
CALL_MOVES = {  # command → (statuses it applies in, status after)
    "publish": ({"DRAFT"}, "PUBLISHED"),
    "close": ({"PUBLISHED"}, "CLOSED"),
    "start_evaluation": ({"CLOSED"}, "EVALUATING"),
    "cancel": ({"DRAFT", "PUBLISHED", "CLOSED", "EVALUATING"}, "CANCELLED"),
}
STEPS = ("publish", "close", "start_evaluation")
UNDECIDED = {"SUBMITTED", "SHORTLISTED"}
FINAL = {"SELECTED", "REJECTED", "WITHDRAWN"}


class CallMachine(RuleBasedStateMachine):
    call: Call
    journal: Journal

    @initialize(hours=st.integers(1, 72), published=st.booleans(),
                applicants=st.lists(st.sampled_from(STARTUPS), max_size=3))
    def draft(self, hours: int, published: bool, applicants: list[UUID]) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)
        call = Call.draft(CORPORATE, "Fret", "Less empty runs", ["Rail"], ["AI"], CRITERIA, None,
                          self.now + timedelta(hours=hours), self.now, META)
        self.journal, self.call = Journal(call), call
        self.status = "DRAFT"
        self.applications: list[tuple[Application, Journal]] = []
        self.statuses: list[str] = []
        self.awarded: list[UUID] | None = None
        if published:  # start further along, more often: evaluation is where rules bite
            self._move("publish")
            for startup in applicants:
                self.submit(startup)

    def _deadline(self) -> datetime:
        return self.call.deadline_at

    @rule(hours=st.integers(0, 48))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule(command=st.sampled_from(STEPS))
    def move(self, command: str) -> None:
        self._move(command)

    @rule(now=st.sampled_from((False, False, False, False, True)))
    def cancel(self, now: bool) -> None:
        if now:  # rarely: a cancelled call ends every story
            self._move("cancel")

    @rule()
    def forward(self) -> None:
        """The happy path's next step, so that sequences reach evaluation often."""
        command = {"DRAFT": "publish", "PUBLISHED": "close", "CLOSED": "start_evaluation"}.get(
            self.status)
        if command:
            self._move(command)

    def _move(self, command: str) -> None:
        before = self.status
        method = getattr(self.call, command)
        moves: dict[str, list[Any]] = {"publish": [self.now], "cancel": [None]}
        args = moves.get(command, [])
        applied = self.journal.run(lambda: method(*args, META))
        allowed, after = CALL_MOVES[command]
        expected = before in allowed and (command != "publish" or self.now < self._deadline())
        assert applied == expected, (command, before)
        if applied:
            self.status = after

    @rule(hours=st.integers(-24, 72))
    def extend_deadline(self, hours: int) -> None:
        deadline = self._deadline() + timedelta(hours=hours)
        applied = self.journal.run(lambda: self.call.extend_deadline(deadline, self.now, META))
        assert applied == (self.status in ("DRAFT", "PUBLISHED") and hours > 0
                           and deadline > self.now)

    @rule(startup=st.sampled_from(STARTUPS))
    def submit(self, startup: UUID) -> None:
        open_now = self.status == "PUBLISHED" and self.now < self._deadline()
        try:
            application = Application.submit(self.call, startup, None, "Pitch", self.now, META)
        except DomainError:
            assert not open_now
            return
        assert open_now
        self.applications.append((application, Journal(application)))
        self.statuses.append("SUBMITTED")

    def _decide(self, index: int, command: str, *args: object) -> bool:
        application, journal = self.applications[index % len(self.applications)]
        return journal.run(lambda: getattr(application, command)(*args, META))

    @precondition(lambda self: self.applications)
    @rule(index=st.integers(0, 9), command=st.sampled_from(
        ["withdraw", "shortlist", "select", "reject"]))
    def decide(self, index: int, command: str) -> None:
        i = index % len(self.applications)
        application = self.applications[i][0]
        before = self.statuses[i]
        scored = all(application.scores.get(c["name"]) for c in CRITERIA)
        choices: dict[str, list[Any]] = {"withdraw": [None], "reject": [self.call, "No"]}
        args = choices.get(command, [self.call])
        applied = self._decide(i, command, *args)
        evaluating = self.status == "EVALUATING"
        expected = {
            "withdraw": before in UNDECIDED,
            "shortlist": evaluating and before == "SUBMITTED",
            "select": evaluating and before in UNDECIDED and scored,
            "reject": evaluating and before in UNDECIDED,
        }[command]
        assert applied == expected, (command, before, self.status)
        if applied:
            self.statuses[i] = {"withdraw": "WITHDRAWN", "shortlist": "SHORTLISTED",
                                "select": "SELECTED", "reject": "REJECTED"}[command]

    @precondition(lambda self: self.applications)
    @rule(index=st.integers(0, 9), criterion=st.sampled_from(["Impact", "Team", "Luck"]),
          value=st.integers(-1, 11), evaluator=st.sampled_from(["eve", "ed"]))
    def score(self, index: int, criterion: str, value: int, evaluator: str) -> None:
        i = index % len(self.applications)
        applied = self._decide(i, "score", self.call, criterion, value, evaluator)
        assert applied == (self.status == "EVALUATING" and criterion != "Luck"
                           and 0 <= value <= 10 and self.statuses[i] in UNDECIDED)

    @rule()
    def award(self) -> None:
        selected = [a.id for (a, _), s in zip(self.applications, self.statuses, strict=True)
                    if s == "SELECTED"]
        applied = self.journal.run(lambda: self.call.award(selected, META))
        assert applied == (self.status == "EVALUATING" and bool(selected))
        if applied:
            self.status, self.awarded = "AWARDED", sorted(selected, key=str)

    @invariant()
    def the_call_follows_its_machine(self) -> None:
        assert self.call.status == self.status
        if self.status == "AWARDED":
            assert self.call.awarded == self.awarded

    @invariant()
    def applications_follow_theirs_and_decisions_are_final(self) -> None:
        for (application, _), status in zip(self.applications, self.statuses, strict=True):
            assert application.status == status
            if status == "SELECTED":
                assert all(application.scores.get(c["name"]) for c in CRITERIA)
            for scores in application.scores.values():
                assert all(0 <= v <= 10 for v in scores.values())
        if self.awarded is not None:
            selected = {a.id for (a, _), s in zip(self.applications, self.statuses, strict=True)
                        if s == "SELECTED"}
            assert set(self.awarded) <= selected

    @invariant()
    def replaying_the_events_gives_the_same_call_and_applications(self) -> None:
        self.journal.check_replay(("status", "deadline"))
        for _, journal in self.applications:
            journal.check_replay(("status", "scores", "call_id", "startup_id"))


CallMachine.TestCase.settings = settings(MACHINE_SETTINGS, stateful_step_count=40)
test_calls_and_applications_keep_their_invariants = CallMachine.TestCase
