"""The rules calls and applications share: statuses, criteria, deadlines, scores."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from statistics import fmean

from domain.errors import RuleViolationError


class CallStatus(StrEnum):
    """DRAFT → PUBLISHED → CLOSED → EVALUATING → AWARDED; CANCELLED before AWARDED."""

    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    CLOSED = "CLOSED"
    EVALUATING = "EVALUATING"
    AWARDED = "AWARDED"
    CANCELLED = "CANCELLED"


class ApplicationStatus(StrEnum):
    """SELECTED, REJECTED and WITHDRAWN are final."""

    SUBMITTED = "SUBMITTED"
    SHORTLISTED = "SHORTLISTED"
    SELECTED = "SELECTED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


UNDECIDED = (ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED)
WEIGHT_TOTAL = 100


def criteria_problem(criteria: Sequence[tuple[str, int]]) -> str | None:
    """Why these (name, weight) pairs cannot be a call's criteria, if they cannot."""
    if not criteria:
        return "A call needs at least one criterion"
    names = [name.strip().casefold() for name, _ in criteria]
    if len(set(names)) != len(names):
        return "Criterion names must be distinct"
    total = sum(weight for _, weight in criteria)
    if total != WEIGHT_TOTAL:
        return f"Criterion weights must add up to {WEIGHT_TOTAL} (they add up to {total})"
    return None


def deadline_from(iso: str) -> datetime:
    """Deadlines travel in events as ISO-8601 strings."""
    parsed = datetime.fromisoformat(iso)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def require_future(deadline: datetime, now: datetime) -> None:
    if deadline <= now:
        raise RuleViolationError("The deadline must be in the future", ("input", "deadline"))


def require_status(status: str, allowed: Iterable[StrEnum], action: str) -> None:
    allowed = tuple(allowed)
    if status not in allowed:
        expected = " or ".join(s.value for s in allowed)
        raise RuleViolationError(f"Cannot {action}: the status is {status}, not {expected}")


def weighted_score(
    criteria: Sequence[tuple[str, int]], scores: Iterable[tuple[str, int]]
) -> float | None:
    """Σ(mean score of each criterion across evaluators * its weight) / 100, 0 to 10;
    None until every criterion has at least one score."""
    by_criterion: dict[str, list[int]] = {}
    for criterion, value in scores:
        by_criterion.setdefault(criterion, []).append(value)
    if not criteria or any(name not in by_criterion for name, _ in criteria):
        return None
    total = sum(fmean(by_criterion[name]) * weight for name, weight in criteria)
    return round(total / WEIGHT_TOTAL, 4)
