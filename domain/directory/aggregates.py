"""The Solution aggregate. Public methods decide; private `@event` methods only
assign, so replay never re-runs a rule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolationError

Meta = dict[str, Any]

PUBLISHED = "PUBLISHED"
WITHDRAWN = "WITHDRAWN"


class Solution(Aggregate):
    """A technological solution a startup offers in the public directory."""

    if TYPE_CHECKING:  # assigned by the events (class annotations would become event fields)
        startup_id: UUID
        status: str

    @event("SolutionPublished")
    def __init__(
        self,
        startup_id: UUID,
        title: str,
        summary: str,
        technologies: list[str],
        sectors: list[str],
        trl: int,
        meta: Meta,
    ) -> None:
        self.startup_id = startup_id
        self.title = title
        self.summary = summary
        self.technologies = technologies
        self.sectors = sectors
        self.trl = trl
        self.status = PUBLISHED

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    def update(self, changes: dict[str, Any], meta: Meta) -> None:
        """Applies the fields that actually change; a withdrawn solution is frozen."""
        if not self.is_published:
            raise RuleViolationError("A withdrawn solution can no longer change")
        effective = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if not effective:
            raise RuleViolationError("The update changes nothing")
        self._updated(changes=effective, meta=meta)

    @event("SolutionUpdated")
    def _updated(self, changes: dict[str, Any], meta: Meta) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def withdraw(self, meta: Meta) -> None:
        """Leaves the public directory; the history stays."""
        if not self.is_published:
            raise RuleViolationError("The solution is already withdrawn")
        self._withdrawn(meta=meta)

    @event("SolutionWithdrawn")
    def _withdrawn(self, meta: Meta) -> None:
        self.status = WITHDRAWN
