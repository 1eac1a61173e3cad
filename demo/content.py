"""Demo open content: French guides, articles and templates, a few events
(upcoming, past, one cancelled) and, when the deals demo made agreements that
have run, case studies of them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.actors import Actor, CommandContext, Role
from domain.content import commands as c
from domain.content.agreements import read_agreement
from domain.content.service import ContentService
from domain.errors import DomainError

log = logging.getLogger("passerelle.demo")
OPERATOR = Actor("operateur@bpi", Role.OPERATOR)

RESOURCES = [
    ("GUIDE", "Le mémorandum de collaboration, étape par étape",
     "Conçu avec l'office national de la propriété industrielle, le mémorandum cadre la "
     "négociation entre une startup et un grand groupe : périmètre, critères de succès, "
     "confidentialité, propriété intellectuelle antérieure et issue du projet.",
     ["mémorandum", "propriété intellectuelle", "négociation"]),
    ("GUIDE", "Réussir une preuve de concept en 90 jours",
     "Des critères de succès mesurables, un sponsor métier, un budget engagé et une "
     "décision à date fixe : ce qui distingue un pilote qui débouche sur une commande.",
     ["pilote", "POC", "achats"]),
    ("ARTICLE", "Payer ses startups en moins de 30 jours",
     "Les délais de paiement pèsent sur la trésorerie des jeunes entreprises innovantes. "
     "Retour d'expérience de trois directions des achats.",
     ["paiement", "trésorerie", "achats"]),
    ("ARTICLE", "Deep tech : sortir du laboratoire sans perdre sa propriété intellectuelle",
     "Licences, copropriété, droit de publier les résultats : ce que les startups issues "
     "de la recherche doivent négocier avec les industriels.",
     ["deep tech", "recherche", "licence"]),
    ("TEMPLATE", "Modèle d'accord de confidentialité (NDA) bilatéral",
     "Un accord de confidentialité court et équilibré, à adapter avant le premier échange "
     "d'informations techniques.",
     ["NDA", "confidentialité", "modèle"]),
    ("TEMPLATE", "Grille de critères pour un appel à projets",
     "Critères pondérés (total de 100) pour évaluer les candidatures : maturité "
     "technologique, impact, capacité à passer à l'échelle.",
     ["appel à projets", "évaluation", "modèle"]),
    ("VIDEO", "Trois pilotes devenus contrats : témoignages",
     "Dirigeants de startups et acheteurs racontent le passage du pilote au déploiement.",
     ["pilote", "témoignage"]),
]

# (title, days from now, location, capacity, cancelled)
EVENTS = [
    ("Rencontres Passerelle : deep tech et industrie", 21, "Lyon, Cité internationale", 40, False),
    ("Atelier : propriété intellectuelle et co-développement", 45, "Paris, Station F", 25, False),
    ("Petit-déjeuner énergie et hydrogène", 30, "Grenoble, Minatec", 20, True),
    ("Journée achats innovants", -60, "Paris, Palais des congrès", 120, False),
    ("Webinaire : financer le passage à l'échelle", -14, "En ligne", 300, False),
]


@dataclass
class DemoContent:
    resources: list[UUID] = field(default_factory=list)
    events: dict[str, UUID] = field(default_factory=dict)
    case_studies: list[UUID] = field(default_factory=list)


def _ctx(actor: Actor, key: str, idempotent: bool = True) -> CommandContext:
    return CommandContext(actor, datetime.now(UTC), f"demo-{key}",
                          idempotency_key=key if idempotent else None)


def load(services: Mapping[str, Any], earlier: Mapping[str, Any]) -> DemoContent:
    content: ContentService = services["content"]
    if "settle" in services:  # registrations read the membership read model
        services["settle"]()
    result = DemoContent()
    _publish_resources(content, result)
    _schedule_events(content, earlier["organisations"], result)
    _case_studies(content, earlier["organisations"], earlier.get("deals"), result)
    return result


def _publish_resources(content: ContentService, result: DemoContent) -> None:
    for i, (kind, title, body, tags) in enumerate(RESOURCES):
        cmd = c.PublishResource(kind=kind, title=title, body=body, tags=tags)
        result.resources.append(
            content.publish_resource(cmd, _ctx(OPERATOR, f"resource-{i}")).stream_id)


def _schedule_events(content: ContentService, orgs: Any, result: DemoContent) -> None:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for i, (title, days, location, capacity, cancelled) in enumerate(EVENTS):
        starts_at = (now + timedelta(days=days)).replace(hour=9)
        cmd = c.ScheduleEvent(title=title, starts_at=starts_at, location=location,
                              capacity=capacity)
        event_id = content.schedule_event(cmd, _ctx(OPERATOR, f"event-{i}")).stream_id
        result.events[title] = event_id
        if days > 0 and not cancelled:
            _register(content, event_id, orgs, every=i + 2)
        if cancelled:
            content.cancel_event(c.CancelEvent(id=event_id), _ctx(OPERATOR, f"cancel-{i}", False))


def _register(content: ContentService, event_id: UUID, orgs: Any, every: int) -> None:
    members = [(sid, Role.STARTUP) for sid in orgs.startups.values()]
    members += [(cid, Role.CORPORATE) for cid in orgs.corporates.values()]
    for org_id, role in members[::every]:
        actor = Actor(orgs.admins[org_id], role)
        content.register_for_event(c.RegisterForEvent(id=event_id, organisation_id=org_id),
                                   _ctx(actor, f"register-{event_id}-{org_id}", False))


def demo_agreements(deals: Any) -> list[tuple[str, UUID]]:
    """(title, id) of the agreements the deals demo reports: a mapping of
    titles to ids, or a list of ids."""
    found = getattr(deals, "agreements", None)
    if found is None and isinstance(deals, Mapping):
        found = deals.get("agreements")
    if isinstance(found, Mapping):
        return [(str(title), UUID(str(i))) for title, i in found.items()]
    return [("Une collaboration", UUID(str(i))) for i in found or []]


def _case_studies(content: ContentService, orgs: Any, deals: Any, result: DemoContent) -> None:
    for i, (title, agreement_id) in enumerate(demo_agreements(deals)):
        try:
            study = _case_study(content, orgs, title, agreement_id, both_consent=i % 2 == 0)
        except DomainError as exc:  # an agreement that has not run makes no story
            log.info("no demo case study for agreement %s: %s", agreement_id, exc.message)
            continue
        if study is not None:
            result.case_studies.append(study)


def _case_study(content: ContentService, orgs: Any, title: str, agreement_id: UUID,
                both_consent: bool) -> UUID | None:
    agreement = read_agreement(content.ledger, agreement_id)
    if not agreement.has_run:
        return None
    startup = Actor(orgs.admins[agreement.startup_id], Role.STARTUP)
    corporate = Actor(orgs.admins[agreement.corporate_id], Role.CORPORATE)
    cmd = c.ProposeCaseStudy(
        agreement_id=agreement_id, title=f"Retour d'expérience : {title}"[:200],
        summary="Une collaboration menée avec des critères de succès mesurables, de la "
                "première rencontre sur la plateforme jusqu'au déploiement.")
    study = content.propose_case_study(cmd, _ctx(startup, f"case-{agreement_id}")).stream_id
    consents = [(startup, agreement.startup_id), (corporate, agreement.corporate_id)]
    for actor, org in consents[: 2 if both_consent else 1]:
        content.consent_to_case_study(c.ConsentToCaseStudy(id=study, organisation_id=org),
                                      _ctx(actor, f"consent-{study}-{org}", False))
    return study
