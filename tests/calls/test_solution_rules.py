"""Given a solution, when its startup changes it, then these events (or this refusal)."""

from __future__ import annotations

import pytest

from domain.errors import RuleViolationError
from tests.calls.support import META, a_solution, events_of


def test_an_update_records_only_the_fields_that_change() -> None:
    solution = a_solution()
    solution.update({"title": "Batterie", "trl": 7}, META)
    [event] = solution.collect_events()
    assert type(event).__name__ == "SolutionUpdated"
    assert event.changes == {"trl": 7}  # type: ignore[attr-defined]


def test_an_update_that_changes_nothing_is_refused() -> None:
    with pytest.raises(RuleViolationError):
        a_solution().update({"title": "Batterie"}, META)


def test_a_withdrawn_solution_is_frozen() -> None:
    solution = a_solution()
    solution.withdraw(META)
    assert events_of(solution) == ["SolutionWithdrawn"]
    with pytest.raises(RuleViolationError):
        solution.update({"trl": 9}, META)
    with pytest.raises(RuleViolationError):
        solution.withdraw(META)
