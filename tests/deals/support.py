"""Given/when/then helpers for the deals slice: terms and aggregates in a
known state, their events as ledger entries, an in-memory world for services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.actors import Actor, CommandContext, MemberRole, Role
from domain.deals.agreements import Agreement
from domain.deals.loans import Loan
from domain.deals.money import Money
from domain.deals.orders import Line, PurchaseOrder
from domain.deals.terms import Terms
from projections.entries import Entry

NOW = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)
META: dict[str, Any] = {"userId": "someone", "role": "STARTUP"}
CORPORATE, STARTUP = UUID(int=1), UUID(int=2)


def terms(**overrides: Any) -> dict[str, Any]:
    """Canonical terms of a pilot, with the clauses given replaced."""
    values: dict[str, Any] = {
        "scope": "Optimiser les tournées de fret", "success_criteria": ["-8 % de km à vide"],
        "foreground_ip_owner": "JOINT", "confidentiality_months": 24, "duration_months": 6,
        "exclusivity_months": 6, "price": {"amount": "60000", "currency": "EUR"},
        "payment_term_days": 45, "publication_allowed": True,
    }
    return Terms.model_validate({**values, **overrides}).canonical()


def terms_input(**overrides: Any) -> Terms:
    """The same terms as a command takes them (validated as a command validates them)."""
    return Terms.model_validate(terms(**overrides))


def events_of(aggregate: Aggregate) -> list[str]:
    """Then: the names of the events the command emitted (and nothing else pending)."""
    return [type(e).__name__ for e in aggregate.collect_events()]


def saved(aggregate: Aggregate) -> Any:
    aggregate.collect_events()
    return aggregate


def an_agreement(kind: str = "PILOT", status: str = "NEGOTIATING") -> Agreement:
    """Given an agreement between CORPORATE and STARTUP, taken to `status`."""
    agreement = Agreement.propose(kind, "Pilote fret", CORPORATE, STARTUP, None, terms(), META)
    if status == "IN_FORCE":
        agreement.sign(STARTUP, "alice", 1, META)
        agreement.sign(CORPORATE, "carol", 1, META)
    elif status == "REJECTED":
        agreement.reject("Trop cher", META)
    return saved(agreement)


def eur(amount: str, currency: str = "EUR") -> Money:
    return Money.of(amount, currency)


def an_order(status: str = "ISSUED", total: str = "1000") -> PurchaseOrder:
    """Given an order of one line worth `total` EUR, taken to `status`."""
    order = PurchaseOrder.issue(CORPORATE, STARTUP, None, "BC-1",
                                [Line("Licence", 1, eur(total))], META)
    path = {"ISSUED": 0, "ACCEPTED": 1, "DELIVERED": 2, "INVOICED": 3}[status]
    steps = [lambda: order.accept(META), lambda: order.record_delivery(META),
             lambda: order.invoice(eur(total), META)]
    for step in steps[:path]:
        step()
    return saved(order)


def a_loan(status: str = "REQUESTED", amount: str = "100000") -> Loan:
    """Given a loan of `amount` EUR, taken to `status` (approved for all of it)."""
    loan = Loan.request(STARTUP, uuid4(), eur(amount), 84, "Déploiement", META)
    path = {"REQUESTED": 0, "UNDER_REVIEW": 1, "APPROVED": 2, "DISBURSED": 3}[status]
    steps = [lambda: loan.start_review(META),
             lambda: loan.approve(eur(amount), Decimal("2.5"), 84, 24, META),
             lambda: loan.disburse(eur(amount), META)]
    for step in steps[:path]:
        step()
    return saved(loan)


def entries_of(aggregate: Aggregate, events: Sequence[Any], start: int = 1) -> list[Entry]:
    """The aggregate's events as the read side sees them (ledger entries)."""
    hidden = {"originator_id", "originator_version", "timestamp", "originator_topic", "meta"}
    return [
        Entry(position=start + i, stream_id=aggregate.id, version=e.originator_version,
              stream_type=type(aggregate).__name__, type=type(e).__name__,
              occurred_at=NOW + timedelta(minutes=i),
              data={k: v for k, v in vars(e).items() if k not in hidden}, meta=e.meta,
              topic="", state=b"", hash=b"", previous_hash=None, ledger_hash=b"")
        for i, e in enumerate(events)
    ]


def ctx(user: str | None, role: Role, key: str | None = None,
        orgs: frozenset[UUID] = frozenset()) -> CommandContext:
    # The wall clock, as in production: rules compare it with the time events
    # were recorded (an agreement's duration runs from its entry into force).
    return CommandContext(Actor(user, role, orgs), datetime.now(UTC), "test",
                          idempotency_key=key)


class NoIdempotency:
    def find(self, scope: str, key: str) -> tuple[UUID, int] | None:
        return None


@dataclass
class FakeMemberships:
    """user id → {organisation id: role}, as the read model would answer."""

    roles: dict[str, dict[UUID, MemberRole]] = field(default_factory=dict)

    def roles_of(self, user_id: str) -> dict[UUID, MemberRole]:
        return dict(self.roles.get(user_id, {}))

    def add(self, user_id: str, organisation_id: UUID) -> None:
        self.roles.setdefault(user_id, {})[organisation_id] = MemberRole.ADMIN
