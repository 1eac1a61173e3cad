"""Call and Application types, built from read-model rows."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.calls.rules import weighted_score
from projections.queries import calls as q
from schema.calls.access import (
    application_count,
    application_visibility,
    call_row,
)
from schema.calls.money import Money
from schema.common import Connection, Node, Versioned, connection
from schema.directory.types import Solution, solution_row
from schema.organisations.types import Corporate, Startup
from schema.reading import page_of


@strawberry.enum
class CallStatus(Enum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    CLOSED = "CLOSED"
    EVALUATING = "EVALUATING"
    AWARDED = "AWARDED"
    CANCELLED = "CANCELLED"


@strawberry.enum
class ApplicationStatus(Enum):
    SUBMITTED = "SUBMITTED"
    SHORTLISTED = "SHORTLISTED"
    SELECTED = "SELECTED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


@strawberry.type
class Criterion:
    name: str
    weight: int = strawberry.field(description="Weights of a call's criteria add up to 100.")


@strawberry.type
class Score:
    criterion: str
    value: int = strawberry.field(description="0 to 10.")
    evaluator_id: str


def _criteria(row: Any) -> list[Criterion]:
    return [Criterion(name=n, weight=w)
            for n, w in zip(row["criteria_names"], row["criteria_weights"], strict=True)]


@strawberry.type
class Call(Node, Versioned):
    id: strawberry.ID
    version: int
    created_at: datetime
    updated_at: datetime
    title: str
    challenge: str
    sectors: list[str]
    technologies: list[str]
    criteria: list[Criterion]
    budget: Money | None
    deadline: datetime
    status: CallStatus
    published_at: datetime | None
    accepting_applications: bool = strawberry.field(description="PUBLISHED and before its deadline: past the deadline a call takes no application, even before closeCall.")
    cancel_reason: str | None
    corporate_id: strawberry.Private[UUID]

    @strawberry.field
    async def corporate(self, info: Info[Any, Any]) -> Corporate:
        return Corporate.from_row(await info.context.loaders.organisation.load(self.corporate_id))

    @strawberry.field(description="Visible to the publishing corporate, operators and auditors; others see only their own.")
    async def applications(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None
    ) -> Connection[Application]:
        visibility = await application_visibility(info)
        call_id = UUID(str(self.id))
        page = await page_of(info, first, lambda conn, n: q.list_applications(
            conn, n, after, visibility, call_id=call_id))
        result: Connection[Application] = connection(page, Application.from_row)
        return result

    @strawberry.field(description="Public: applications received, withdrawn ones not counted.")
    async def application_count(self, info: Info[Any, Any]) -> int:
        return await application_count(info, UUID(str(self.id)))

    @classmethod
    def from_row(cls, row: Any) -> Call:
        return cls(
            id=strawberry.ID(str(row["id"])), version=row["version"],
            created_at=row["created_at"], updated_at=row["updated_at"], title=row["title"],
            challenge=row["challenge"], sectors=list(row["sectors"]),
            technologies=list(row["technologies"]), criteria=_criteria(row),
            budget=Money.from_columns(row["budget_amount"], row["budget_currency"]),
            deadline=row["deadline"], status=CallStatus(row["status"]),
            published_at=row["published_at"],
            accepting_applications=(row["status"] == "PUBLISHED"
                                    and row["deadline"] > datetime.now(UTC)),
            cancel_reason=row["cancel_reason"], corporate_id=row["corporate_id"],
        )


def _scores(row: Any) -> list[tuple[str, str, int]]:
    return list(zip(row["score_criteria"], row["score_evaluators"], row["score_values"],
                    strict=True))


@strawberry.type
class Application(Node, Versioned):
    id: strawberry.ID
    version: int
    created_at: datetime
    updated_at: datetime
    pitch: str
    status: ApplicationStatus
    scores: list[Score]
    decision_reason: str | None
    call_id: strawberry.Private[UUID]
    startup_id: strawberry.Private[UUID]
    solution_id: strawberry.Private[UUID | None]

    @strawberry.field
    async def call(self, info: Info[Any, Any]) -> Call:
        # Whoever sees an application sees its call: drafts take no applications.
        return Call.from_row(await call_row(info, self.call_id))

    @strawberry.field
    async def startup(self, info: Info[Any, Any]) -> Startup:
        return Startup.from_row(await info.context.loaders.organisation.load(self.startup_id))

    @strawberry.field
    async def solution(self, info: Info[Any, Any]) -> Solution | None:
        row = await solution_row(info, self.solution_id) if self.solution_id else None
        return Solution.from_row(row) if row else None

    @strawberry.field(description="Σ(mean score of the criterion across evaluators × its weight) / 100, 0 to 10; null until every criterion has a score.")  # noqa: RUF001 (the contract's wording)
    async def weighted_score(self, info: Info[Any, Any]) -> float | None:
        call = await call_row(info, self.call_id)
        criteria = list(zip(call["criteria_names"], call["criteria_weights"], strict=True))
        return weighted_score(criteria, [(s.criterion, s.value) for s in self.scores])

    @classmethod
    def from_row(cls, row: Any) -> Application:
        return cls(
            id=strawberry.ID(str(row["id"])), version=row["version"],
            created_at=row["created_at"], updated_at=row["updated_at"], pitch=row["pitch"],
            status=ApplicationStatus(row["status"]),
            scores=[Score(criterion=c, evaluator_id=e, value=v) for c, e, v in _scores(row)],
            decision_reason=row["decision_reason"], call_id=row["call_id"],
            startup_id=row["startup_id"], solution_id=row["solution_id"],
        )


@strawberry.input
class CallFilter:
    search: str | None = strawberry.field(default=None, description="Full-text search over title, challenge, sectors, technologies and criteria (French and English, accents ignored).")
    status: CallStatus | None = None
    corporate_id: strawberry.ID | None = None
    sector: str | None = None
    open_only: bool | None = strawberry.field(default=None, description="Only calls still accepting applications.")
