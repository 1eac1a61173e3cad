"""Agreements for the case-study tests, recorded straight into the ledger
through the deals slice's Agreement aggregate (a stand-in with the same
stream type and attributes when that slice is absent)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.ledger import Ledger

META: dict[str, Any] = {"userId": "test", "role": "STARTUP", "correlationId": "agreement"}


class Agreement(Aggregate):
    """Stand-in: what the content slice reads of an agreement, under event
    names of its own so that no deals projection mistakes it for theirs."""

    @event("StandInAgreementProposed")
    def __init__(self, corporate_id: str, startup_id: str, status: str, meta: dict[str, Any]
                 ) -> None:
        self.corporate_id = corporate_id
        self.startup_id = startup_id
        self.status = status


def _real(corporate: UUID, startup: UUID, status: str) -> Aggregate | None:
    try:
        from domain.deals.agreements import Agreement as DealsAgreement
        from domain.deals.terms import Terms
    except ImportError:
        return None
    terms = Terms(scope="Pilote de maintenance prédictive", success_criteria=["-10 % de pannes"],
                  foreground_ip_owner="JOINT", confidentiality_months=12, duration_months=3)
    agreement = DealsAgreement.propose("PILOT", "Pilote", corporate, startup, None,
                                       terms.canonical(), META)
    if status in ("IN_FORCE", "TERMINATED", "EXPIRED"):
        agreement.sign(corporate, "carol", 1, META)
        agreement.sign(startup, "alice", 1, META)
    if status == "TERMINATED":
        agreement.terminate("Pilote terminé", datetime.now(UTC), META)
    if status == "EXPIRED":
        agreement.expire(agreement.in_force_until(), META)
    return agreement


def record_agreement(ledger: Ledger, corporate: str, startup: str, status: str) -> str:
    """An agreement between the two organisations, in `status` (NEGOTIATING,
    IN_FORCE, TERMINATED or EXPIRED); returns its id."""
    c, s = UUID(corporate), UUID(startup)
    agreement = _real(c, s, status) or Agreement(str(c), str(s), status, META)
    ledger.save(agreement)
    return str(agreement.id)
