"""Startup and Corporate aggregates. Public methods decide (validate, compute);
private `@event` methods only assign, so replay never re-runs a rule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate, event

from domain.actors import MemberRole
from domain.errors import RuleViolationError

Meta = dict[str, Any]

LABELS = ("NEXT40", "FT120", "DEEPTECH", "GREENTECH", "FRENCH_TECH_TREMPLIN")


class Organisation(Aggregate):
    """What startups and corporates share: a profile and members.

    (Class-level annotations become constructor fields of created events in
    eventsourcing, so the shared state is only declared in a comment.)"""

    if TYPE_CHECKING:  # assigned by each kind's registration
        name: str
        members: dict[str, dict[str, str]]

    def role_of(self, user_id: str | None) -> MemberRole | None:
        member = self.members.get(user_id or "")
        return MemberRole(member["role"]) if member else None

    def add_member(self, user_id: str, role: MemberRole, contact: str, meta: Meta) -> None:
        """Adds a person; their name and email arrive sealed (`contact`)."""
        if user_id in self.members:
            raise RuleViolationError(f"{user_id} is already a member", ("input", "userId"))
        self._member_added(user_id=user_id, role=role.value, contact=contact, meta=meta)

    @event("MemberAdded")
    def _member_added(self, user_id: str, role: str, contact: str, meta: Meta) -> None:
        self.members = {**self.members, user_id: {"role": role, "contact": contact}}

    def update_profile(self, changes: dict[str, Any], meta: Meta) -> None:
        """Applies the fields that actually change; refuses an empty update."""
        effective = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if not effective:
            raise RuleViolationError("The update changes nothing")
        self._profile_updated(changes=effective, meta=meta)

    def _profile_updated(self, changes: dict[str, Any], meta: Meta) -> None:
        raise NotImplementedError  # each organisation kind names its own event

    def _assign(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)


class Startup(Organisation):
    """A startup of the directory."""

    @event("StartupRegistered")
    def __init__(
        self,
        name: str,
        siren: str,
        description: str,
        website: str | None,
        city: str | None,
        founded_year: int | None,
        sectors: list[str],
        technologies: list[str],
        admin_user_id: str,
        admin_contact: str,
        meta: Meta,
    ) -> None:
        self.name = name
        self.siren = siren
        self.description = description
        self.website = website
        self.city = city
        self.founded_year = founded_year
        self.sectors = sectors
        self.technologies = technologies
        self.labels: list[str] = []
        self.members = {admin_user_id: {"role": MemberRole.ADMIN.value, "contact": admin_contact}}

    @event("StartupProfileUpdated")
    def _profile_updated(self, changes: dict[str, Any], meta: Meta) -> None:
        self._assign(changes)

    def grant_label(self, label: str, meta: Meta) -> None:
        if label in self.labels:
            raise RuleViolationError(
                f"The startup already has the label {label}", ("input", "label"))
        self._label_granted(label=label, meta=meta)

    @event("LabelGranted")
    def _label_granted(self, label: str, meta: Meta) -> None:
        self.labels = [*self.labels, label]

    def revoke_label(self, label: str, meta: Meta) -> None:
        if label not in self.labels:
            raise RuleViolationError(f"The startup has no label {label}", ("input", "label"))
        self._label_revoked(label=label, meta=meta)

    @event("LabelRevoked")
    def _label_revoked(self, label: str, meta: Meta) -> None:
        self.labels = [x for x in self.labels if x != label]


class Corporate(Organisation):
    """A large group or mid-cap."""

    @event("CorporateRegistered")
    def __init__(
        self,
        name: str,
        siren: str,
        description: str,
        website: str | None,
        sector: str | None,
        admin_user_id: str,
        admin_contact: str,
        meta: Meta,
    ) -> None:
        self.name = name
        self.siren = siren
        self.description = description
        self.website = website
        self.sector = sector
        self.community_member = False
        self.members = {admin_user_id: {"role": MemberRole.ADMIN.value, "contact": admin_contact}}

    @event("CorporateProfileUpdated")
    def _profile_updated(self, changes: dict[str, Any], meta: Meta) -> None:
        self._assign(changes)

    def admit_to_community(self, meta: Meta) -> None:
        if self.community_member:
            raise RuleViolationError("The corporate is already a community member")
        self._admitted(meta=meta)

    @event("AdmittedToCommunity")
    def _admitted(self, meta: Meta) -> None:
        self.community_member = True
