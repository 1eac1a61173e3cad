"""Demo agreements, purchase orders and scale-up loans, in every status they
can reach, between the demo startups and corporates. Recorded through the
application services, so every fact is a real, hash-chained ledger entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from demo.organisations import DemoOrganisations
from domain.actors import Actor, CommandContext, Role
from domain.deals import commands as c
from domain.deals.money import MoneyInput
from domain.deals.terms import Terms

OPERATOR = Actor("operateur@bpi", Role.OPERATOR)
# The call whose selected application the Énergéia-Batterix pilot follows (demo/calls.py).
AWARDED_CALL = ("Stockage d'énergie pour les réseaux", "Batterix")

# (kind, title, corporate, startup, status it reaches, scope, success criterion or None)
AGREEMENTS = [
    ("PILOT", "Pilote d'optimisation quantique du fret", "Groupe Ferrovia", "Qubitek", "IN_FORCE", "Optimiser les tournées de fret sur l'axe Lyon-Marseille", "Réduire de 8 % les kilomètres à vide"),
    ("PILOT", "Pilote de stockage sodium-ion sur site", "Énergéia", "Batterix", "IN_FORCE", "Batterie stationnaire de 500 kWh sur un parc solaire", "Rendement aller-retour supérieur à 85 %"),
    ("COMMERCIAL", "Contrat-cadre d'électrolyseurs compacts", "Énergéia", "Hydrogène des Alpes", "IN_FORCE", "Fourniture et maintenance de trois électrolyseurs de 1 MW", None),
    ("PILOT", "Pilote de suivi satellite des sinistres agricoles", "Banque Hexagone", "Orbitale", "IN_FORCE", "Estimer les sinistres de grêle par imagerie satellite", "Écart inférieur à 10 % avec l'expertise terrain"),
    ("NDA", "Accord de confidentialité : alerte septicémie", "Banque Hexagone", "Vigie Santé", "NEGOTIATING", "Échanges sur un service d'assurance santé connecté", None),
    ("MEMORANDUM", "Mémorandum de collaboration : irrigation sobre", "Énergéia", "Agrosol", "NEGOTIATING", "Cadrer un pilote de capteurs de sol sur les sites hydroélectriques", None),
    ("LICENCE", "Licence de la sonde de détection d'intrusion", "Groupe Ferrovia", "Cybelle Sécurité", "REJECTED", "Licence d'exploitation de la sonde sur les postes d'aiguillage", None),
    ("PILOT", "Pilote de panneaux biosourcés en cabine", "Aéro Méditerranée", "Matériaux Bleus", "TERMINATED", "Panneaux lin-époxy pour deux cabines d'essai", "Tenue au feu conforme à la norme aéronautique"),
]

# (reference, agreement title or None, corporate, startup, status it reaches, lines)
ORDERS = [
    ("BC-2024-001", "Pilote d'optimisation quantique du fret", "Groupe Ferrovia", "Qubitek", "PAID", [("Licence annuelle de l'optimiseur", 1, "48000"), ("Journées d'intégration", 10, "1200")]),
    ("BC-2024-002", "Pilote de stockage sodium-ion sur site", "Énergéia", "Batterix", "INVOICED", [("Module de stockage 50 kWh", 10, "18500.50")]),
    ("BC-2024-003", "Contrat-cadre d'électrolyseurs compacts", "Énergéia", "Hydrogène des Alpes", "DELIVERED", [("Électrolyseur compact 1 MW", 1, "950000")]),
    ("BC-2024-004", "Pilote de suivi satellite des sinistres agricoles", "Banque Hexagone", "Orbitale", "ACCEPTED", [("Abonnement imagerie, 12 mois", 12, "2500")]),
    ("BC-2024-005", None, "Banque Hexagone", "Vigie Santé", "ISSUED", [("Étude de faisabilité", 1, "15000")]),
    ("BC-2024-006", None, "Aéro Méditerranée", "Matériaux Bleus", "REJECTED", [("Échantillons de panneaux", 40, "350")]),
    ("BC-2024-007", None, "Groupe Ferrovia", "Cybelle Sécurité", "CANCELLED", [("Audit de sécurité d'un poste", 2, "9000")]),
]
# The steps that take an order from ISSUED to each status.
ORDER_PATHS = {
    "ISSUED": [], "ACCEPTED": ["accept"], "DELIVERED": ["accept", "deliver"],
    "INVOICED": ["accept", "deliver", "invoice", "pay_part"],
    "PAID": ["accept", "deliver", "invoice", "pay_all"], "REJECTED": ["reject"],
    "CANCELLED": ["cancel"],
}

# (startup, agreement title, amount requested, status it reaches, purpose)
LOANS = [
    ("Qubitek", "Pilote d'optimisation quantique du fret", "300000", "REQUESTED", "Industrialiser l'optimiseur pour tout le réseau fret"),
    ("Batterix", "Pilote de stockage sodium-ion sur site", "800000", "UNDER_REVIEW", "Ligne d'assemblage de modules de 50 kWh"),
    ("Hydrogène des Alpes", "Contrat-cadre d'électrolyseurs compacts", "1500000", "APPROVED", "Atelier de fabrication d'électrolyseurs à Chambéry"),
    ("Orbitale", "Pilote de suivi satellite des sinistres agricoles", "2000000", "REJECTED", "Lancement d'un second satellite"),
    ("Qubitek", "Pilote d'optimisation quantique du fret", "500000", "DISBURSED", "Recrutement de l'équipe de déploiement"),
    ("Batterix", "Pilote de stockage sodium-ion sur site", "100000", "REPAID", "Certification des modules"),
    ("Hydrogène des Alpes", "Contrat-cadre d'électrolyseurs compacts", "250000", "DEFAULTED", "Stock de membranes"),
    ("Orbitale", "Pilote de suivi satellite des sinistres agricoles", "60000", "WITHDRAWN", "Station sol temporaire"),
]
# The steps that take a loan from REQUESTED to each status.
LOAN_PATHS = {
    "REQUESTED": [], "UNDER_REVIEW": ["review"], "APPROVED": ["review", "approve"],
    "REJECTED": ["review", "reject"], "DISBURSED": ["review", "approve", "disburse_half"],
    "REPAID": ["review", "approve", "disburse_all", "repay_all"],
    "DEFAULTED": ["review", "approve", "disburse_half", "default"], "WITHDRAWN": ["withdraw"],
}


@dataclass
class DemoDeals:
    agreements: dict[str, UUID] = field(default_factory=dict)  # title → id
    orders: dict[str, UUID] = field(default_factory=dict)  # reference → id
    loans: list[UUID] = field(default_factory=list)


class Recorder:
    """Runs demo commands as the right people (the organisations' admins, the operator)."""

    def __init__(self, services: dict[str, Any], orgs: DemoOrganisations) -> None:
        self.services, self.orgs = services, orgs

    def ctx(self, org_id: UUID | None, key: str | None = None) -> CommandContext:
        actor = OPERATOR
        if org_id is not None:
            role = Role.STARTUP if org_id in self.orgs.startups.values() else Role.CORPORATE
            actor = Actor(self.orgs.admins[org_id], role)
        return CommandContext(actor, datetime.now(UTC), f"demo-deals-{key or 'step'}",
                              idempotency_key=key)

    def run(self, area: str, method: str, command: Any, org_id: UUID | None,
            key: str | None = None) -> UUID:
        stream_id: UUID = getattr(self.services[area], method)(
            command, self.ctx(org_id, key)).stream_id
        return stream_id


def eur(amount: str | Decimal) -> MoneyInput:
    return MoneyInput(amount=Decimal(amount).quantize(Decimal("0.01")), currency="EUR")


def terms_for(kind: str, scope: str, criterion: str | None, months: int = 6) -> Terms:
    return Terms(
        scope=scope, success_criteria=[criterion] if criterion else [],
        foreground_ip_owner="JOINT" if kind == "PILOT" else "STARTUP",
        licence="Licence non exclusive d'exploitation en France" if kind == "LICENCE" else None,
        confidentiality_months=24, exclusivity_months=6 if kind == "PILOT" else None,
        duration_months=months, price=eur("60000") if kind != "NDA" else None,
        payment_term_days=45 if kind != "NDA" else None, publication_allowed=kind == "PILOT",
    )


def load(services: dict[str, Any], orgs: DemoOrganisations, calls: Any = None) -> DemoDeals:
    """Agreements first (orders and loans build on those in force), then orders, loans."""
    services["settle"]()  # the demo admins' memberships must be readable
    rec, result = Recorder(services, orgs), DemoDeals()
    application = getattr(calls, "applications", {}).get(AWARDED_CALL)
    for index, plan in enumerate(AGREEMENTS):
        result.agreements[plan[1]] = make_agreement(rec, index, plan, application)
    for order in ORDERS:
        result.orders[order[0]] = make_order(rec, order, result)
    for index, loan in enumerate(LOANS):
        result.loans.append(make_loan(rec, index, loan, result))
    services["settle"]()
    return result


def make_agreement(rec: Recorder, index: int, plan: tuple[Any, ...], application: UUID | None) -> UUID:
    kind, title, corporate, startup, target, scope, criterion = plan
    corp, start = rec.orgs.corporates[corporate], rec.orgs.startups[startup]
    follows = application if (corporate, startup) == ("Énergéia", "Batterix") else None
    propose = c.ProposeAgreement(kind=kind, title=title, corporate_id=corp, startup_id=start,
                                 application_id=follows, terms=terms_for(kind, scope, criterion))
    agreement_id = rec.run("agreements", "propose", propose, start, f"agreement-{index}")
    if index == 0:  # one negotiated revision: the first signature is voided by it
        rec.run("agreements", "sign", c.SignAgreement(id=agreement_id, organisation_id=start, revision=1), start)
        amended = terms_for(kind, scope, criterion, months=9)
        rec.run("agreements", "amend", c.AmendAgreement(id=agreement_id, terms=amended), corp)
    conclude_agreement(rec, agreement_id, target, corp, start, revision=2 if index == 0 else 1)
    return agreement_id


def conclude_agreement(rec: Recorder, agreement_id: UUID, target: str, corp: UUID, start: UUID, revision: int) -> None:
    if target == "REJECTED":
        rec.run("agreements", "reject", c.EntityCommand(id=agreement_id, reason="Périmètre de licence trop large"), corp)
        return
    rec.run("agreements", "sign", c.SignAgreement(id=agreement_id, organisation_id=start, revision=revision), start)
    if target == "NEGOTIATING":
        return
    rec.run("agreements", "sign", c.SignAgreement(id=agreement_id, organisation_id=corp, revision=revision), corp)
    if target == "TERMINATED":
        reason = "Certification feu reportée : pilote arrêté d'un commun accord"
        rec.run("agreements", "terminate", c.ReasonedCommand(id=agreement_id, reason=reason), corp)


def make_order(rec: Recorder, plan: tuple[Any, ...], result: DemoDeals) -> UUID:
    reference, agreement, corporate, startup, target, lines = plan
    corp, start = rec.orgs.corporates[corporate], rec.orgs.startups[startup]
    issue = c.IssueOrder(
        corporate_id=corp, startup_id=start, reference=reference,
        agreement_id=result.agreements[agreement] if agreement else None,
        lines=[c.OrderLineInput(description=d, quantity=q, unit_price=eur(p)) for d, q, p in lines])
    order_id = rec.run("orders", "issue", issue, corp, f"order-{reference}")
    total = sum((Decimal(q) * Decimal(p) for _, q, p in lines), Decimal(0))
    for step in ORDER_PATHS[target]:
        method, command, by_startup = order_step(step, order_id, total)
        rec.run("orders", method, command, start if by_startup else corp)
    return order_id


def order_step(step: str, order_id: UUID, total: Decimal) -> tuple[str, Any, bool]:
    """(service method, command, whether the startup does it)."""
    plain = c.EntityCommand(id=order_id)
    return {
        "accept": ("accept", plain, True),
        "deliver": ("record_delivery", plain, True),
        "invoice": ("invoice", c.AmountCommand(id=order_id, amount=eur(total)), True),
        "pay_part": ("record_payment", c.AmountCommand(id=order_id, amount=eur(total / 2)), False),
        "pay_all": ("record_payment", c.AmountCommand(id=order_id, amount=eur(total)), False),
        "reject": ("reject", c.EntityCommand(id=order_id, reason="Budget non disponible"), True),
        "cancel": ("cancel", c.EntityCommand(id=order_id, reason="Besoin couvert en interne"), False),
    }[step]


def make_loan(rec: Recorder, index: int, plan: tuple[Any, ...], result: DemoDeals) -> UUID:
    startup, agreement, amount, target, purpose = plan
    start = rec.orgs.startups[startup]
    request = c.RequestLoan(startup_id=start, agreement_id=result.agreements[agreement],
                            amount=eur(amount), term_months=84, purpose=purpose)
    loan_id = rec.run("loans", "request", request, start, f"loan-{index}")
    for step in LOAN_PATHS[target]:
        method, command = loan_step(step, loan_id, Decimal(amount))
        rec.run("loans", method, command, start if step == "withdraw" else None)
    return loan_id


def loan_step(step: str, loan_id: UUID, amount: Decimal) -> tuple[str, Any]:
    """Approval is of the whole amount at 2.5 % over 84 months, 24 of them deferred."""
    def money(value: Decimal) -> c.AmountCommand:
        return c.AmountCommand(id=loan_id, amount=eur(value))

    approve = c.ApproveLoan(id=loan_id, amount=eur(amount), annual_rate_percent=Decimal("2.5"),
                            term_months=84, deferral_months=24)
    return {
        "review": ("start_review", c.EntityCommand(id=loan_id)),
        "approve": ("approve", approve),
        "reject": ("reject", c.ReasonedCommand(id=loan_id, reason="Capacité de remboursement insuffisante")),
        "disburse_half": ("disburse", money(amount / 2)),
        "disburse_all": ("disburse", money(amount)),
        "repay_all": ("record_repayment", money(amount)),
        "default": ("flag_default", c.ReasonedCommand(id=loan_id, reason="Échéances impayées depuis six mois")),
        "withdraw": ("withdraw", c.EntityCommand(id=loan_id, reason="Financement obtenu ailleurs")),
    }[step]
