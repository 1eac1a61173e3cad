"""Directory use cases: authorize, load, decide, save. Run off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from domain.actors import CommandContext, Role
from domain.directory import commands as c
from domain.directory.aggregates import Solution
from domain.directory.lookup import load_as
from domain.ledger import Ledger, Recorded
from domain.organisations.aggregates import Startup
from domain.policy import require_member, require_role
from domain.ports import Memberships


class DirectoryService:
    """Startups publish, update and withdraw their solutions."""

    def __init__(self, ledger: Ledger, memberships: Memberships) -> None:
        self.ledger = ledger
        self.memberships = memberships

    def publish_solution(self, cmd: c.PublishSolution, ctx: CommandContext) -> Recorded:
        self._require_startup_member(cmd.startup_id, ctx, ("input", "startupId"))

        def create() -> Recorded:
            solution = Solution(
                startup_id=cmd.startup_id, title=cmd.title, summary=cmd.summary,
                technologies=cmd.technologies, sectors=cmd.sectors, trl=cmd.trl,
                meta=ctx.meta(cmd.startup_id),
            )
            return self.ledger.record(solution, ctx, scope="publishSolution")

        return self.ledger.create_once(ctx, "publishSolution", create)

    def update_solution(self, cmd: c.UpdateSolution, ctx: CommandContext) -> Recorded:
        changes = cmd.changes()
        return self._change(cmd.id, cmd.expected_version, ctx,
                            lambda s, meta: s.update(changes, meta), ("input", "id"))

    def withdraw_solution(self, cmd: c.WithdrawSolution, ctx: CommandContext) -> Recorded:
        # withdrawSolution(id:) takes its id as a root argument, not in an input.
        return self._change(cmd.id, None, ctx, lambda s, meta: s.withdraw(meta), ("id",))

    def _require_startup_member(
        self, startup_id: UUID, ctx: CommandContext, field: tuple[str, ...]
    ) -> None:
        require_role(ctx.actor, Role.STARTUP)
        load_as(self.ledger, Startup, startup_id, field)  # NOT_FOUND before FORBIDDEN
        require_member(ctx.actor, startup_id, self.memberships, field=field)

    def _change(
        self, solution_id: UUID, expected_version: int | None, ctx: CommandContext,
        command: Callable[[Solution, dict[str, Any]], None], field: tuple[str, ...],
    ) -> Recorded:
        # Solutions are public (withdrawn ones too): a stranger gets FORBIDDEN.
        solution = load_as(self.ledger, Solution, solution_id, field)
        require_role(ctx.actor, Role.STARTUP)
        require_member(ctx.actor, solution.startup_id, self.memberships)
        meta = ctx.meta(solution.startup_id)
        return self.ledger.change(
            Solution, solution_id, expected_version, lambda s: command(s, meta), ctx
        )
