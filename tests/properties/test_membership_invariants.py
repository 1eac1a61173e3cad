"""Organisations under random command sequences: the registering person stays
their ADMIN, a person is a member at most once, labels are a set, profile
updates change something or are refused; and the authorization policy lets a
STARTUP or CORPORATE user act only for organisations they belong to (ADMIN
for admin-only commands)."""

from __future__ import annotations

from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.actors import Actor, MemberRole, Role
from domain.errors import DomainError, ForbiddenError, UnauthenticatedError
from domain.organisations.aggregates import LABELS, Startup
from domain.policy import require_member
from tests.properties.support import MACHINE_SETTINGS, META, Journal

PEOPLE = ["alice", "bob", "carol", "dave", "eve"]
ORG = UUID(int=7)


class Memberships:
    """The read model's view of the aggregate, as the services see it."""

    def __init__(self, startup: Startup) -> None:
        self.startup = startup

    def roles_of(self, user_id: str) -> dict[UUID, MemberRole]:
        role = self.startup.role_of(user_id)
        return {ORG: role} if role else {}


class OrganisationMachine(RuleBasedStateMachine):
    journal: Journal
    startup: Startup

    @initialize(admin=st.sampled_from(PEOPLE))
    def register(self, admin: str) -> None:
        startup = Startup(name="Batterix", siren="732829320", description="Batteries",
                          website=None, city=None, founded_year=None, sectors=[],
                          technologies=[], admin_user_id=admin, admin_contact="pii:v1:x",
                          meta=META)
        self.journal, self.startup, self.admin = Journal(startup), startup, admin
        self.members = {admin: "ADMIN"}
        self.labels: list[str] = []

    @rule(user=st.sampled_from(PEOPLE), role=st.sampled_from(list(MemberRole)))
    def add_member(self, user: str, role: MemberRole) -> None:
        applied = self.journal.run(lambda: self.startup.add_member(user, role, "pii", META))
        assert applied == (user not in self.members)
        if applied:
            self.members[user] = role.value

    @rule(label=st.sampled_from(LABELS), grant=st.booleans())
    def label(self, label: str, grant: bool) -> None:
        change = self.startup.grant_label if grant else self.startup.revoke_label
        applied = self.journal.run(lambda: change(label, META))
        assert applied == ((label not in self.labels) if grant else (label in self.labels))
        if applied:
            self.labels = [*self.labels, label] if grant else [x for x in self.labels
                                                               if x != label]

    @rule(city=st.sampled_from([None, "Lyon", "Nantes"]))
    def update_profile(self, city: str | None) -> None:
        before = self.startup.city
        applied = self.journal.run(lambda: self.startup.update_profile({"city": city}, META))
        assert applied == (city != before)

    @rule(user=st.sampled_from([*PEOPLE, None]),
          role=st.sampled_from([Role.STARTUP, Role.CORPORATE, Role.OPERATOR, Role.VISITOR]),
          admin_only=st.booleans())
    def policy(self, user: str | None, role: Role, admin_only: bool) -> None:
        actor = Actor(user, role)
        try:
            require_member(actor, ORG, Memberships(self.startup), admin=admin_only)
            allowed = True
        except (ForbiddenError, UnauthenticatedError):
            allowed = False
        except DomainError as other:  # pragma: no cover - the policy raises only those two
            raise AssertionError(other) from None
        member_role = self.members.get(user or "")
        assert allowed == (user is not None and role in (Role.STARTUP, Role.CORPORATE)
                           and member_role is not None
                           and (not admin_only or member_role == "ADMIN"))

    @invariant()
    def the_registering_person_stays_admin(self) -> None:
        assert self.startup.role_of(self.admin) is MemberRole.ADMIN

    @invariant()
    def members_and_labels_match_what_was_applied(self) -> None:
        assert {u: m["role"] for u, m in self.startup.members.items()} == self.members
        assert self.startup.labels == self.labels
        assert len(set(self.startup.labels)) == len(self.startup.labels)

    @invariant()
    def replaying_the_events_gives_the_same_organisation(self) -> None:
        self.journal.check_replay(("members", "labels", "city", "name"))


OrganisationMachine.TestCase.settings = MACHINE_SETTINGS
test_organisations_keep_their_invariants = OrganisationMachine.TestCase
