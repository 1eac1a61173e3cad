"""The application an agreement follows from (issue 3's Application
aggregate), reduced to the facts the deal rules need. Imported lazily so the
deals slice runs before, and without, the calls slice."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import NotFoundError, RuleViolationError
from domain.ledger import Ledger

FIELD = ("input", "applicationId")
AGREEABLE = frozenset({"SHORTLISTED", "SELECTED"})
# Where issue 3 may define the Application aggregate (the first one found wins).
APPLICATION_MODULES = ("domain.calls.aggregates", "domain.calls.application")


@dataclass(frozen=True)
class ApplicationFacts:
    status: str
    startup_id: UUID
    corporate_id: UUID


def load_application(ledger: Ledger, application_id: UUID) -> ApplicationFacts:
    """NOT_FOUND when there is no such application (or no calls slice yet)."""
    cls = application_class()
    if cls is None:
        raise NotFoundError("No such application", FIELD)
    try:
        application: Any = ledger.load(cls, application_id)
    except NotFoundError:
        raise NotFoundError("No such application", FIELD) from None
    status = getattr(application.status, "value", application.status)
    return ApplicationFacts(str(status), UUID(str(application.startup_id)),
                            UUID(str(application.corporate_id)))


def application_class() -> type[Aggregate] | None:
    """The calls slice's Application aggregate, if that slice is installed."""
    for module_name in APPLICATION_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        cls = getattr(module, "Application", None)
        if isinstance(cls, type) and issubclass(cls, Aggregate):
            return cls
    return None


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
