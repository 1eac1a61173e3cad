"""Directory mutations: translate the input, delegate, map the outcome."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from domain.directory import commands as c
from schema.directory.types import Solution, solution_row
from schema.errors import UserError, execute, parse


@strawberry.input
class PublishSolutionInput:
    startup_id: strawberry.ID
    title: str
    summary: str
    technologies: list[str] = strawberry.field(default_factory=list)
    sectors: list[str] = strawberry.field(default_factory=list)
    trl: int
    idempotency_key: str | None = None


@strawberry.input
class UpdateSolutionInput:
    id: strawberry.ID
    expected_version: int | None = None
    title: str | None = None
    summary: str | None = None
    technologies: list[str] | None = None
    sectors: list[str] | None = None
    trl: int | None = None


@strawberry.type
class SolutionPayload:
    solution: Solution | None
    user_errors: list[UserError]


def _service(info: Info[Any, Any]) -> Any:
    return info.context.services.commands["directory"]


async def _solution(info: Info[Any, Any], parse_input: Any, call: Any) -> SolutionPayload:
    recorded, errors = await execute(info, parse_input, call)
    row = await solution_row(info, recorded.stream_id) if recorded else None
    return SolutionPayload(solution=Solution.from_row(row) if row else None, user_errors=errors)


@strawberry.type
class DirectoryMutation:
    @strawberry.mutation(description="Members of the startup.")
    async def publish_solution(self, info: Info[Any, Any], input: PublishSolutionInput) -> SolutionPayload:
        return await _solution(info, lambda: parse(c.PublishSolution, input), _service(info).publish_solution)

    @strawberry.mutation(description="Members of the startup; not once withdrawn.")
    async def update_solution(self, info: Info[Any, Any], input: UpdateSolutionInput) -> SolutionPayload:
        return await _solution(info, lambda: parse(c.UpdateSolution, input), _service(info).update_solution)

    @strawberry.mutation(description="Members of the startup: leaves the public directory, keeps its history.")
    async def withdraw_solution(self, info: Info[Any, Any], id: strawberry.ID) -> SolutionPayload:
        raw = {"id": str(id)}
        return await _solution(info, lambda: parse(c.WithdrawSolution, raw, root=()), _service(info).withdraw_solution)
