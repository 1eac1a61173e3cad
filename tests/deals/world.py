"""An in-memory world for the deal services: eventsourcing's POPO ledger,
memberships as a dict, two organisations of each kind and their people."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.actors import CommandContext, Role
from domain.deals import commands as c
from domain.deals.agreement_service import AgreementService
from domain.deals.loan_service import LoanService
from domain.deals.money import MoneyInput
from domain.deals.order_service import OrderService
from domain.errors import DomainError
from domain.ledger import Ledger
from domain.organisations.aggregates import Corporate, Startup
from tests.deals.support import FakeMemberships, NoIdempotency, ctx, terms_input

PEOPLE = {
    "carol": Role.CORPORATE, "dave": Role.CORPORATE, "alice": Role.STARTUP,
    "mallory": Role.STARTUP, "olivia": Role.OPERATOR, "audrey": Role.AUDITOR,
}


def _startup(name: str, admin: str) -> Startup:
    return Startup(name=name, siren="732829320", description="d", website=None, city=None,
                   founded_year=None, sectors=[], technologies=[], admin_user_id=admin,
                   admin_contact="pii", meta={})


def _corporate(name: str, admin: str) -> Corporate:
    return Corporate(name=name, siren="552100554", description="d", website=None, sector=None,
                     admin_user_id=admin, admin_contact="pii", meta={})


@dataclass
class World:
    """Corporates Énergéia (carol) and Ferrovia (dave); startups Batterix (alice)
    and Qubitek (mallory); olivia operates, audrey audits."""

    ledger: Ledger = field(default_factory=lambda: Ledger(
        {"PERSISTENCE_MODULE": "eventsourcing.popo"}, NoIdempotency()))
    memberships: FakeMemberships = field(default_factory=FakeMemberships)
    orgs: dict[str, UUID] = field(default_factory=dict)

    def __post_init__(self) -> None:
        organisations = [("energeia", "carol", _corporate), ("ferrovia", "dave", _corporate),
                         ("batterix", "alice", _startup), ("qubitek", "mallory", _startup)]
        for name, admin, make in organisations:
            org = make(name, admin)
            self.ledger.save(org)
            self.orgs[name] = org.id
            self.memberships.add(admin, org.id)
        self.agreements = AgreementService(self.ledger, self.memberships)
        self.orders = OrderService(self.ledger, self.memberships)
        self.loans = LoanService(self.ledger, self.memberships)

    def as_(self, user: str | None) -> CommandContext:
        return ctx(user, PEOPLE[user] if user else Role.VISITOR)

    def propose(self, kind: str = "PILOT", corporate: str = "energeia",
                startup: str = "batterix", by: str | None = "alice", **fields: Any) -> UUID:
        cmd = c.ProposeAgreement(kind=kind, title="Pilote", corporate_id=self.orgs[corporate],
                                 startup_id=self.orgs[startup], terms=terms_input(), **fields)
        return self.agreements.propose(cmd, self.as_(by)).stream_id

    def in_force(self, kind: str = "PILOT", corporate: str = "energeia",
                 startup: str = "batterix") -> UUID:
        """An agreement signed by carol/dave and alice/mallory."""
        people = {"energeia": "carol", "ferrovia": "dave", "batterix": "alice",
                  "qubitek": "mallory"}
        agreement_id = self.propose(kind, corporate, startup, by=people[startup])
        for org in (startup, corporate):
            sign = c.SignAgreement(id=agreement_id, organisation_id=self.orgs[org], revision=1)
            self.agreements.sign(sign, self.as_(people[org]))
        return agreement_id

    def order(self, agreement_id: UUID | None = None, startup: str = "batterix") -> UUID:
        cmd = c.IssueOrder(corporate_id=self.orgs["energeia"], startup_id=self.orgs[startup],
                           agreement_id=agreement_id, reference="BC-1",
                           lines=[c.OrderLineInput(description="Licence", quantity=1,
                                                   unit_price=MoneyInput(amount=Decimal("1000")))])
        return self.orders.issue(cmd, self.as_("carol")).stream_id

    def loan(self, agreement_id: UUID, by: str = "alice", startup: str = "batterix") -> UUID:
        cmd = c.RequestLoan(startup_id=self.orgs[startup], agreement_id=agreement_id,
                            amount=MoneyInput(amount=Decimal("100000")), term_months=84,
                            purpose="Déploiement")
        return self.loans.request(cmd, self.as_(by)).stream_id

    def count(self) -> int:
        """How many events the ledger holds (a refused command adds none)."""
        return self.ledger.recorder.max_notification_id() or 0


def refused(world: World, command: Callable[[], Any]) -> DomainError:
    """Runs a command that must be refused; checks that it wrote nothing."""
    before = world.count()
    with pytest.raises(DomainError) as caught:
        command()
    assert world.count() == before
    return caught.value
