"""The application an agreement follows from (issue 3's Application
aggregate), reduced to the facts the deal rules need. Imported lazily so the
deals slice runs before, and without, the calls slice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.errors import NotFoundError, RuleViolationError
from domain.ledger import Ledger

FIELD = ("input", "applicationId")
AGREEABLE = frozenset({"SHORTLISTED", "SELECTED"})


@dataclass(frozen=True)
class ApplicationFacts:
    status: str
    startup_id: UUID
    corporate_id: UUID


def load_application(ledger: Ledger, application_id: UUID) -> ApplicationFacts:
    """NOT_FOUND when there is no such application (or no calls slice yet)."""
    try:
        from domain.calls.aggregates import Application
    except ImportError:
        raise NotFoundError("No such application", FIELD) from None
    try:
        application: Any = ledger.load(Application, application_id)
    except NotFoundError as exc:
        raise NotFoundError(exc.message, FIELD) from None
    status = getattr(application.status, "value", application.status)
    return ApplicationFacts(str(status), UUID(str(application.startup_id)),
                            UUID(str(application.corporate_id)))


def check_application(
    facts: ApplicationFacts, organisations: frozenset[UUID], corporate_id: UUID,
    startup_id: UUID,
) -> None:
    """An agreement that follows an application binds that application's
    startup and its call's corporate, once shortlisted or selected."""
    if not organisations & {facts.startup_id, facts.corporate_id}:
        raise NotFoundError("No such application", FIELD)  # confidential to its parties
    if (facts.corporate_id, facts.startup_id) != (corporate_id, startup_id):
        raise RuleViolationError(
            "The parties must be the application's startup and its call's corporate", FIELD)
    if facts.status not in AGREEABLE:
        raise RuleViolationError(
            f"The application is {facts.status}: it must be SHORTLISTED or SELECTED", FIELD)
