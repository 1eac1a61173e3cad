"""What every domain state machine checks: a command either applies, or is
refused with a domain error and emits nothing; the aggregate replayed from the
events it emitted equals the live one (event methods only assign)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from domain.errors import DomainError

META: dict[str, Any] = {"userId": "someone", "role": "STARTUP", "correlationId": "property"}

# Bounded: every machine runs in about a second (the whole suite has ten minutes).
MACHINE_SETTINGS = settings(max_examples=60, stateful_step_count=25, deadline=None,
                            suppress_health_check=[HealthCheck.too_slow])


def cents(low: str, high: str) -> st.SearchStrategy[Decimal]:
    """Amounts with two decimals between `low` and `high`."""
    return st.decimals(Decimal(low), Decimal(high), places=2, allow_nan=False,
                       allow_infinity=False)


class Journal:
    """Runs commands on one aggregate and keeps every event it emitted."""

    def __init__(self, aggregate: Aggregate) -> None:
        self.aggregate = aggregate
        self.events: list[Any] = list(aggregate.collect_events())
        self.refusals: list[str] = []

    def run(self, command: Callable[[], object]) -> bool:
        """True when the command applied; False when refused (and then nothing was
        emitted). Any other exception fails the test."""
        try:
            command()
        except DomainError as refused:
            assert self.aggregate.pending_events == [], (
                f"{type(refused).__name__} after emitting "
                f"{[type(e).__name__ for e in self.aggregate.pending_events]}")
            self.refusals.append(type(refused).__name__)
            return False
        self.events.extend(self.aggregate.collect_events())
        return True

    def replayed(self) -> Any:
        copy: Any = None
        for event in self.events:
            copy = event.mutate(copy)
        return copy

    def check_replay(self, fields: Iterable[str]) -> None:
        copy = self.replayed()
        for name in ("id", "version", *fields):
            assert getattr(copy, name) == getattr(self.aggregate, name), name
