"""Given/when/then helpers for the calls slice: aggregates built from their
commands, a fixed clock, and an in-memory world for the application services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.actors import Actor, CommandContext, MemberRole, Role
from domain.calls.aggregates import Call
from domain.calls.application import Application
from domain.calls.applying import ApplicationService
from domain.calls.service import CallService
from domain.directory.aggregates import Solution
from domain.directory.service import DirectoryService
from domain.ledger import Ledger
from domain.organisations.aggregates import Corporate, Startup

NOW = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
CRITERIA = [{"name": "Innovation", "weight": 60}, {"name": "Impact", "weight": 40}]
META: dict[str, Any] = {"userId": "someone"}


def events_of(aggregate: Aggregate) -> list[str]:
    """Then: the names of the events the command emitted (and nothing else pending)."""
    return [type(e).__name__ for e in aggregate.collect_events()]


def a_solution(startup_id: UUID | None = None) -> Solution:
    solution = Solution(startup_id=startup_id or uuid4(), title="Batterie", summary="Sodium-ion",
                        technologies=["Batterie"], sectors=["Énergie"], trl=6, meta=META)
    solution.collect_events()
    return solution


def a_draft(criteria: list[dict[str, Any]] | None = None, deadline: datetime = LATER) -> Call:
    criteria = CRITERIA if criteria is None else criteria
    call = Call.draft(corporate_id=uuid4(), title="Stockage", challenge="Lisser le réseau",
                      sectors=["Énergie"], technologies=[], criteria=criteria,
                      budget={"amount": "1000.00", "currency": "EUR"}, deadline=deadline,
                      now=NOW, meta=META)
    call.collect_events()
    return call


def a_call(status: str = "PUBLISHED") -> Call:
    """A call taken through the status machine up to `status`."""
    call = a_draft()
    steps = {"PUBLISHED": 1, "CLOSED": 2, "EVALUATING": 3}
    actions = [lambda: call.publish(NOW, META), lambda: call.close(META),
               lambda: call.start_evaluation(META)]
    for action in actions[: steps[status]]:
        action()
    call.collect_events()
    return call


def an_application(call: Call, startup_id: UUID | None = None) -> Application:
    application = Application.submit(call, startup_id or uuid4(), None, "Notre pitch", NOW, META)
    application.collect_events()
    return application


def ctx(
    user: str | None, role: Role, key: str | None = None, now: datetime = NOW
) -> CommandContext:
    return CommandContext(Actor(user, role), now, "test", idempotency_key=key)


class NoIdempotency:
    def find(self, scope: str, key: str) -> tuple[UUID, int] | None:
        return None


@dataclass
class FakeMemberships:
    roles: dict[str, dict[UUID, MemberRole]] = field(default_factory=dict)

    def roles_of(self, user_id: str) -> dict[UUID, MemberRole]:
        return self.roles.get(user_id, {})


@dataclass
class FakeCallApplications:
    ledger: Ledger

    def selected_for(self, call_id: UUID) -> list[UUID]:
        # The in-memory stand-in of the read model: every application of the ledger.
        found: list[UUID] = []
        for notification in self.ledger.recorder.select_notifications(start=1, limit=1000):
            if notification.topic.endswith("ApplicationSelected"):
                found.append(UUID(str(notification.originator_id)))
        return found


@dataclass
class World:
    """Two startups, two corporates and their admins, on an in-memory ledger."""

    ledger: Ledger
    memberships: FakeMemberships
    directory: DirectoryService
    calls: CallService
    applications: ApplicationService
    orgs: dict[str, UUID]

    @classmethod
    def create(cls) -> World:
        ledger = Ledger({"PERSISTENCE_MODULE": "eventsourcing.popo"}, NoIdempotency())
        memberships = FakeMemberships()
        calls = CallService(ledger, memberships, FakeCallApplications(ledger))
        world = cls(ledger, memberships, DirectoryService(ledger, memberships), calls,
                    ApplicationService(ledger, memberships, calls), {})
        for name, admin in (("alpha", "alice"), ("beta", "bruno")):
            world._register(Startup(name=name, siren="0", description="", website=None,
                                    city=None, founded_year=None, sectors=[], technologies=[],
                                    admin_user_id=admin, admin_contact="", meta=META), name, admin)
        for name, admin in (("corp", "carol"), ("rival", "rita")):
            world._register(Corporate(name=name, siren="0", description="", website=None,
                                      sector=None, admin_user_id=admin, admin_contact="",
                                      meta=META), name, admin)
        return world

    def _register(self, org: Startup | Corporate, name: str, admin: str) -> None:
        self.ledger.save(org)
        self.orgs[name] = org.id
        self.memberships.roles[admin] = {org.id: MemberRole.ADMIN}
