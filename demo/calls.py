"""Demo directory and calls: about 40 startups with solutions, 10 corporates,
8 calls covering every status, applications with scores. Recorded through the
application services, so every fact is a real ledger entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from demo.organisations import DemoOrganisations, siren_for
from domain.actors import Actor, CommandContext, Role
from domain.calls import commands as cc
from domain.directory import commands as dc
from domain.organisations import commands as oc

# The startups of demo/organisations.py: one solution each.
SOLUTIONS = {
    "Qubitek": ("Optimiseur quantique de tournées", "Calcul quantique photonique qui réduit les kilomètres parcourus par les flottes de livraison.", 5),
    "Batterix": ("Batterie sodium-ion stationnaire", "Stockage d'énergie sans cobalt ni lithium pour lisser la production renouvelable.", 6),
    "Hydrogène des Alpes": ("Électrolyseur compact 1 MW", "Hydrogène vert produit sur site pour les procédés industriels.", 7),
    "Vigie Santé": ("Alerte précoce de septicémie", "Modèle d'apprentissage automatique sur les constantes vitales des patients hospitalisés.", 6),
    "Agrosol": ("Irrigation pilotée par capteurs", "Sondes de sol connectées et modèles agronomiques pour économiser l'eau.", 8),
    "Cybelle Sécurité": ("Sonde de détection d'intrusion industrielle", "Surveillance passive des réseaux d'automates et alertes en temps réel.", 8),
    "Matériaux Bleus": ("Composite biosourcé lin-époxy", "Panneaux légers biosourcés pour cabines d'avion et coques de navires.", 5),
    "Orbitale": ("Suivi satellite des cultures", "Imagerie à haute revisite pour estimer les rendements et les sinistres.", 7),
}

# More startups for the directory: (name, city, sector, technology, solution, summary, trl).
MORE_STARTUPS = [
    ("Lumen Photonique", "Bordeaux", "Industrie", "Photonique", "Lidar industriel", "Mesure laser des stocks en vrac dans les silos.", 6),
    ("Cryoterra", "Grenoble", "Énergie", "Cryogénie", "Stockage d'énergie par air liquide", "Stocker l'électricité renouvelable sous forme d'air liquéfié.", 4),
    ("Nanovia", "Strasbourg", "Santé", "Nanotechnologies", "Nanoparticules théranostiques", "Imagerie et traitement ciblé des tumeurs.", 3),
    ("Ferrosens", "Lille", "Transport", "Capteurs", "Capteurs de voie ferrée", "Détection des défauts de rail par vibrations.", 7),
    ("Aquapure", "Montpellier", "Environnement", "Membranes", "Filtration membranaire des micropolluants", "Eau potable débarrassée des résidus de médicaments.", 6),
    ("Robolog", "Lyon", "Logistique", "Robotique", "Robot de préparation de commandes", "Bras robotisé qui saisit des objets variés en entrepôt.", 7),
    ("Datavolt", "Paris", "Énergie", "Intelligence artificielle", "Prévision de consommation électrique", "Modèles de prévision pour les gestionnaires de réseaux.", 8),
    ("Biocéan", "Brest", "Naval", "Biotechnologies", "Peinture antifouling biosourcée", "Protéger les coques sans biocides toxiques.", 5),
    ("Thermiq", "Nancy", "Industrie", "Thermique", "Récupération de chaleur fatale", "Pompes à chaleur haute température pour les usines.", 6),
    ("Géodrone", "Toulouse", "Agriculture", "Drones", "Drone de pulvérisation de précision", "Traiter seulement les plantes malades.", 6),
    ("Sécurix", "Rennes", "Cybersécurité", "Cryptographie", "Chiffrement post-quantique", "Bibliothèque de chiffrement résistante aux ordinateurs quantiques.", 5),
    ("Mobilis", "Nantes", "Mobilité", "Logiciel", "Covoiturage domicile-travail", "Plateforme de covoiturage pour les sites industriels.", 9),
    ("Hélios Verre", "Marseille", "Énergie", "Photovoltaïque", "Vitrage photovoltaïque", "Des fenêtres qui produisent de l'électricité.", 5),
    ("Cellumed", "Paris", "Santé", "Biotechnologies", "Culture cellulaire automatisée", "Bioréacteurs pour la production de thérapies cellulaires.", 4),
    ("Fibrelec", "Clermont-Ferrand", "Industrie", "Matériaux", "Fibres de carbone recyclées", "Recycler les composites en fibres réutilisables.", 6),
    ("Vocalia", "Lyon", "Finance", "Intelligence artificielle", "Agent vocal bancaire", "Répondre aux clients des banques en langage naturel.", 8),
    ("Fraudguard", "Paris", "Finance", "Apprentissage automatique", "Détection de fraude au paiement", "Scorer chaque transaction en moins de dix millisecondes.", 8),
    ("Portéo", "Le Havre", "Logistique", "IoT", "Conteneurs connectés", "Suivi de température et de position des conteneurs.", 7),
    ("Ecoflux", "Rouen", "Environnement", "Chimie verte", "Captage du CO2 industriel", "Solvants biosourcés pour capter le CO2 des fumées.", 4),
    ("Aérolift", "Toulouse", "Aéronautique", "Propulsion électrique", "Moteur électrique pour drones cargo", "Propulsion électrique haute densité de puissance.", 5),
    ("Silicium Vert", "Grenoble", "Électronique", "Semi-conducteurs", "Puces de puissance en nitrure de gallium", "Convertisseurs plus petits et plus efficaces.", 6),
    ("Agrivolt", "Avignon", "Agriculture", "Photovoltaïque", "Ombrières agrivoltaïques", "Panneaux pilotés qui protègent les cultures.", 7),
    ("Medisim", "Lille", "Santé", "Réalité virtuelle", "Simulateur de chirurgie", "Former les chirurgiens en réalité virtuelle.", 8),
    ("Hydrolia", "Bordeaux", "Énergie", "Hydrogène", "Pile à combustible pour engins de chantier", "Décarboner les engins de chantier.", 5),
    ("Textilab", "Roubaix", "Industrie", "Recyclage", "Recyclage textile", "Trier et recycler les textiles en fibres neuves.", 6),
    ("Quantix", "Palaiseau", "Industrie", "Quantique", "Capteur quantique de champ magnétique", "Inspection non destructive des soudures.", 4),
    ("Neurokit", "Marseille", "Santé", "Neurotechnologies", "Casque EEG portable", "Suivi de l'épilepsie à domicile.", 6),
    ("Batiscan", "Nantes", "Construction", "Jumeau numérique", "Jumeau numérique des bâtiments", "Modéliser et réduire la consommation des bâtiments.", 8),
    ("Cyberdôme", "Lille", "Cybersécurité", "Intelligence artificielle", "Centre de détection des menaces", "Détection et réponse aux incidents pour les industriels.", 8),
    ("Ondulis", "Brest", "Énergie", "Énergies marines", "Houlomoteur côtier", "Produire de l'électricité avec les vagues.", 4),
    ("Spatiolab", "Toulouse", "Spatial", "Satellite", "Nanosatellite de télécommunication", "Connectivité des objets dans les zones isolées.", 6),
    ("Recyclo", "Lyon", "Environnement", "Robotique", "Tri robotisé des déchets", "Vision artificielle pour trier les emballages.", 7),
]

MORE_CORPORATES = [
    ("Agrinova", "Coopérative agricole et agroalimentaire.", "Agriculture"),
    ("Santé Plus Hôpitaux", "Groupe d'hôpitaux privés.", "Santé"),
    ("Ports de l'Ouest", "Exploitant portuaire et logistique maritime.", "Logistique"),
    ("Cité Numérique", "Services numériques et infogérance industrielle.", "Numérique"),
    ("Bâtisseurs Réunis", "Construction et travaux publics.", "Construction"),
    ("Chimie de France", "Chimie de spécialité.", "Chimie"),
]


@dataclass(frozen=True)
class CallPlan:
    corporate: str
    title: str
    challenge: str
    sectors: list[str]
    criteria: list[tuple[str, int]]
    budget: int | None
    target: str  # the status the demo takes it to
    applicants: list[str] = field(default_factory=list)


CALLS = [
    CallPlan("Énergéia", "Stockage d'énergie pour les réseaux", "Lisser la production des parcs éoliens et solaires avec du stockage stationnaire.", ["Énergie"], [("Innovation", 40), ("Impact", 30), ("Maturité", 30)], 250_000, "AWARDED", ["Batterix", "Hydrogène des Alpes", "Cryoterra"]),
    CallPlan("Groupe Ferrovia", "Maintenance prédictive du matériel roulant", "Anticiper les pannes des trains et des voies grâce aux capteurs.", ["Transport"], [("Pertinence", 50), ("Faisabilité", 50)], 150_000, "EVALUATING", ["Ferrosens", "Datavolt", "Qubitek"]),
    CallPlan("Banque Hexagone", "Détection de fraude en temps réel", "Réduire la fraude aux paiements sans gêner les clients.", ["Finance"], [("Précision", 60), ("Latence", 40)], 100_000, "CLOSED", ["Fraudguard", "Vocalia"]),
    CallPlan("Aéro Méditerranée", "Matériaux composites biosourcés", "Alléger les cabines avec des matériaux biosourcés certifiables.", ["Aéronautique"], [("Performance", 50), ("Certification", 30), ("Coût", 20)], 300_000, "PUBLISHED", ["Matériaux Bleus", "Fibrelec"]),
    CallPlan("Agrinova", "Irrigation sobre et agriculture de précision", "Économiser l'eau d'irrigation sans perte de rendement.", ["Agriculture", "Environnement"], [("Économie d'eau", 60), ("Coût", 40)], None, "PUBLISHED", ["Agrosol", "Géodrone", "Orbitale"]),
    CallPlan("Santé Plus Hôpitaux", "Intelligence artificielle pour le diagnostic", "Aider les urgentistes à détecter plus tôt les cas graves.", ["Santé"], [("Fiabilité clinique", 70), ("Intégration", 30)], 200_000, "DRAFT"),
    CallPlan("Ports de l'Ouest", "Décarbonation des opérations portuaires", "Électrifier et décarboner les engins de manutention.", ["Logistique", "Énergie"], [("Réduction CO2", 100)], 500_000, "CANCELLED", ["Hydrolia"]),
    CallPlan("Cité Numérique", "Cybersécurité des sites industriels", "Protéger les réseaux d'automates des usines clientes.", ["Cybersécurité", "Industrie"], [("Couverture", 40), ("Simplicité", 30), ("Prix", 30)], 120_000, "EVALUATING", ["Cybelle Sécurité", "Cyberdôme", "Sécurix"]),
]

# Scores the corporate's evaluator gives, by applicant rank: the first is best.
SCORES = [9, 7, 5]


@dataclass
class DemoCalls:
    solutions: dict[str, UUID]  # startup name → its solution
    calls: dict[str, UUID]  # call title → id
    applications: dict[tuple[str, str], UUID]  # (call title, startup name) → id


class Recorder:
    """Runs demo commands as the right people."""

    def __init__(self, services: dict[str, Any], orgs: DemoOrganisations) -> None:
        self.services, self.orgs = services, orgs
        self.settle: Callable[[], None] = services["settle"]

    def ctx(self, org_id: UUID, key: str | None = None) -> CommandContext:
        kind = Role.STARTUP if org_id in self.orgs.startups.values() else Role.CORPORATE
        actor = Actor(self.orgs.admins[org_id], kind)
        return CommandContext(actor, datetime.now(UTC), f"demo-{key or 'calls'}", idempotency_key=key)

    def run(self, area: str, method: str, command: Any, org_id: UUID, key: str | None = None) -> UUID:
        stream_id: UUID = getattr(self.services[area], method)(command, self.ctx(org_id, key)).stream_id
        return stream_id


def register_more(rec: Recorder) -> None:
    """The startups and corporates demo/organisations.py does not have."""
    orgs = rec.services["organisations"]
    for i, (name, city, sector, tech, _title, summary, _trl) in enumerate(MORE_STARTUPS):
        user = f"fondateur{len(SOLUTIONS) + i + 1}"
        startup = oc.RegisterStartup(name=name, siren=siren_for(61003007 + i * 7907), description=summary,
                                     city=city, sectors=[sector], technologies=[tech],
                                     contact_name=f"Fondateur {name}", contact_email=f"{user}@example.fr")
        ctx = CommandContext(Actor(user, Role.STARTUP), datetime.now(UTC), "demo-startups", idempotency_key=f"startup-x{i}")
        sid = orgs.register_startup(startup, ctx).stream_id
        rec.orgs.startups[name], rec.orgs.admins[sid] = sid, user
    for i, (name, desc, sector) in enumerate(MORE_CORPORATES):
        user = f"innovation{5 + i}"
        corporate = oc.RegisterCorporate(name=name, siren=siren_for(44120441 + i * 104723), description=desc, sector=sector,
                                         contact_name=f"Direction innovation {name}", contact_email=f"{user}@example.fr")
        ctx = CommandContext(Actor(user, Role.CORPORATE), datetime.now(UTC), "demo-corporates", idempotency_key=f"corporate-x{i}")
        cid = orgs.register_corporate(corporate, ctx).stream_id
        rec.orgs.corporates[name], rec.orgs.admins[cid] = cid, user


def publish_solutions(rec: Recorder) -> dict[str, UUID]:
    catalogue = {name: (title, summary, trl) for name, (title, summary, trl) in SOLUTIONS.items()}
    catalogue |= {m[0]: (m[4], m[5], m[6]) for m in MORE_STARTUPS}
    techs = {m[0]: ([m[3]], [m[2]]) for m in MORE_STARTUPS}
    solutions = {}
    for name, (title, summary, trl) in catalogue.items():
        technologies, sectors = techs.get(name, ([], []))
        cmd = dc.PublishSolution(startup_id=rec.orgs.startups[name], title=title, summary=summary,
                                 technologies=technologies, sectors=sectors, trl=trl)
        solutions[name] = rec.run("directory", "publish_solution", cmd, rec.orgs.startups[name], f"solution-{name}")
    # One withdrawn solution: it leaves the directory and keeps its history.
    qubitek = rec.orgs.startups["Qubitek"]
    old = dc.PublishSolution(startup_id=qubitek, title="Recuit simulé sur GPU", summary="Premier prototype, remplacé par l'optimiseur quantique.", trl=4)
    old_id = rec.run("directory", "publish_solution", old, qubitek, "solution-old")
    rec.run("directory", "withdraw_solution", dc.WithdrawSolution(id=old_id), qubitek)
    return solutions


def run_call(rec: Recorder, plan: CallPlan, index: int, result: DemoCalls) -> None:
    """Drafts the call, then takes it to its target status."""
    corp = rec.orgs.corporates[plan.corporate]
    draft = cc.DraftCall(
        corporate_id=corp, title=plan.title, challenge=plan.challenge, sectors=plan.sectors,
        criteria=[cc.CriterionInput(name=n, weight=w) for n, w in plan.criteria],
        budget=cc.MoneyInput(amount=Decimal(plan.budget)) if plan.budget else None,
        deadline=datetime.now(UTC) + timedelta(days=20 + 7 * index))
    call_id = result.calls[plan.title] = rec.run("calls", "draft_call", draft, corp, f"call-{index}")
    if plan.target == "DRAFT":
        return
    rec.run("calls", "publish_call", cc.CallCommand(id=call_id), corp)
    apply_all(rec, plan, index, result)
    if plan.target == "CANCELLED":
        rec.run("calls", "cancel_call", cc.CallCommand(id=call_id, reason="Budget réaffecté"), corp)
    elif plan.target in ("CLOSED", "EVALUATING", "AWARDED"):
        rec.run("calls", "close_call", cc.CallCommand(id=call_id), corp)
        if plan.target != "CLOSED":
            rec.run("calls", "start_evaluation", cc.CallCommand(id=call_id), corp)
            evaluate(rec, plan, corp, result)


def apply_all(rec: Recorder, plan: CallPlan, index: int, result: DemoCalls) -> None:
    for name in plan.applicants:
        startup = rec.orgs.startups[name]
        submit = cc.SubmitApplication(call_id=result.calls[plan.title], startup_id=startup, solution_id=result.solutions[name],
                                      pitch=f"{name} répond au défi « {plan.title} ».")
        result.applications[(plan.title, name)] = rec.run("applications", "submit_application", submit, startup, f"apply-{index}-{name}")


def evaluate(rec: Recorder, plan: CallPlan, corp: UUID, result: DemoCalls) -> None:
    ids = [result.applications[(plan.title, name)] for name in plan.applicants]
    for rank, app_id in enumerate(ids):
        for criterion, _ in plan.criteria:
            score = cc.ScoreApplication(id=app_id, criterion=criterion, value=SCORES[rank % 3])
            rec.run("applications", "score_application", score, corp)
    rec.run("applications", "shortlist_application", cc.ApplicationCommand(id=ids[0]), corp)
    if plan.target == "AWARDED":
        rec.run("applications", "select_application", cc.ApplicationCommand(id=ids[0]), corp)
        rec.run("applications", "reject_application", cc.RejectApplication(id=ids[-1], reason="Maturité insuffisante"), corp)
        rec.settle()  # awarding reads the SELECTED applications from the read model
        rec.run("calls", "award_call", cc.CallCommand(id=result.calls[plan.title]), corp)


def load(services: dict[str, Any], orgs: DemoOrganisations) -> DemoCalls:
    rec = Recorder(services, orgs)
    register_more(rec)
    rec.settle()  # the new admins' memberships must be readable before they act
    result = DemoCalls(publish_solutions(rec), {}, {})
    for index, plan in enumerate(CALLS):
        run_call(rec, plan, index, result)
    rec.settle()
    return result
