"""Demo startups and corporates (fictional companies, valid SIRENs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from domain.actors import Actor, CommandContext, Role
from domain.organisations import commands as c
from domain.organisations.service import OrganisationService
from domain.siren import luhn_valid

STARTUPS = [
    ("Qubitek", "Lyon", 2019, "Calcul quantique photonique pour l'optimisation logistique.",
     ["Industrie", "Logistique"], ["Quantique", "Photonique"], ["DEEPTECH", "NEXT40"]),
    ("Batterix", "Grenoble", 2018, "Batteries sodium-ion sans cobalt pour le stockage d'énergie.",
     ["Énergie", "Mobilité"], ["Batterie", "Électrochimie"], ["DEEPTECH", "GREENTECH"]),
    ("Hydrogène des Alpes", "Chambéry", 2020, "Électrolyseurs compacts pour l'hydrogène vert industriel.",
     ["Énergie", "Industrie"], ["Hydrogène", "Électrolyse"], ["GREENTECH"]),
    ("Vigie Santé", "Paris", 2017, "Détection précoce de la septicémie par apprentissage automatique.",
     ["Santé"], ["Intelligence artificielle", "Diagnostic"], ["FT120"]),
    ("Agrosol", "Toulouse", 2021, "Capteurs de sol et modèles agronomiques pour une irrigation sobre.",
     ["Agriculture", "Environnement"], ["Capteurs", "IoT"], ["FRENCH_TECH_TREMPLIN"]),
    ("Cybelle Sécurité", "Rennes", 2016, "Détection d'intrusion pour les réseaux industriels.",
     ["Cybersécurité", "Industrie"], ["Cybersécurité", "Réseaux"], ["NEXT40"]),
    ("Matériaux Bleus", "Nantes", 2019, "Composites biosourcés pour l'aéronautique et le naval.",
     ["Aéronautique", "Naval"], ["Matériaux", "Composites"], ["DEEPTECH"]),
    ("Orbitale", "Toulouse", 2018, "Imagerie satellite à haute revisite pour l'agriculture et l'assurance.",
     ["Spatial", "Assurance"], ["Satellite", "Imagerie"], ["DEEPTECH", "FT120"]),
]

CORPORATES = [
    ("Groupe Ferrovia", "Transport ferroviaire de voyageurs et de marchandises.", "Transport"),
    ("Énergéia", "Production et distribution d'électricité.", "Énergie"),
    ("Banque Hexagone", "Banque de détail et d'investissement.", "Finance"),
    ("Aéro Méditerranée", "Motoriste et équipementier aéronautique.", "Aéronautique"),
]


def siren_for(seed: int) -> str:
    """A valid SIREN derived from a number (8 digits plus the Luhn check digit)."""
    body = f"{seed:08d}"[-8:]
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def _ctx(user: str, role: Role, key: str) -> CommandContext:
    return CommandContext(Actor(user, role), datetime.now(UTC), f"demo-{key}", idempotency_key=key)


@dataclass
class DemoOrganisations:
    startups: dict[str, UUID]
    corporates: dict[str, UUID]
    admins: dict[UUID, str]


def load(orgs: OrganisationService) -> DemoOrganisations:
    result = DemoOrganisations({}, {}, {})
    operator = Actor("operateur@bpi", Role.OPERATOR)
    for i, (name, city, year, desc, sectors, techs, labels) in enumerate(STARTUPS):
        user = f"fondateur{i + 1}"
        cmd = c.RegisterStartup(
            name=name, siren=siren_for(73282932 + i * 7919), description=desc, city=city,
            founded_year=year, sectors=sectors, technologies=techs,
            website=f"https://{name.lower().replace(' ', '-')}.fr",
            contact_name=f"Fondateur {i + 1}", contact_email=f"{user}@example.fr",
        )
        sid = orgs.register_startup(cmd, _ctx(user, Role.STARTUP, f"startup-{i}")).stream_id
        result.startups[name], result.admins[sid] = sid, user
        for label in labels:
            orgs.grant_label(c.ChangeLabel(startup_id=sid, label=label),
                             CommandContext(operator, datetime.now(UTC), "demo-labels"))
    for i, (name, desc, sector) in enumerate(CORPORATES):
        user = f"innovation{i + 1}"
        corporate = c.RegisterCorporate(
            name=name, siren=siren_for(55210055 + i * 104729), description=desc, sector=sector,
            contact_name=f"Direction innovation {i + 1}", contact_email=f"{user}@example.fr",
        )
        cid = orgs.register_corporate(corporate,
                                      _ctx(user, Role.CORPORATE, f"corporate-{i}")).stream_id
        result.corporates[name], result.admins[cid] = cid, user
        if i % 2 == 0:
            orgs.admit_to_community(c.AdmitToCommunity(corporate_id=cid),
                                    CommandContext(operator, datetime.now(UTC), "demo-community"))
    return result
