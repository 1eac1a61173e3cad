"""Organisation use cases: authorize, load, decide, save. Run off the event loop."""

from __future__ import annotations

from uuid import UUID

from domain.actors import CommandContext, Role
from domain.ledger import Ledger, Recorded
from domain.organisations import commands as c
from domain.organisations.aggregates import Corporate, Organisation, Startup
from domain.policy import require_member, require_role
from domain.ports import Memberships, PersonalDataVault


class OrganisationService:
    """Registration, profiles, members, labels and the corporate community."""

    def __init__(self, ledger: Ledger, memberships: Memberships, vault: PersonalDataVault):
        self.ledger = ledger
        self.memberships = memberships
        self.vault = vault

    def _contact(self, user_id: str, name: str, email: str) -> str:
        return self.vault.seal(user_id, {"displayName": name, "email": email})

    def register_startup(self, cmd: c.RegisterStartup, ctx: CommandContext) -> Recorded:
        require_role(ctx.actor, Role.STARTUP)
        user_id = ctx.actor.user_id or ""

        def create() -> Recorded:
            startup = Startup(
                name=cmd.name, siren=cmd.siren, description=cmd.description,
                website=cmd.website, city=cmd.city, founded_year=cmd.founded_year,
                sectors=cmd.sectors, technologies=cmd.technologies, admin_user_id=user_id,
                admin_contact=self._contact(user_id, cmd.contact_name, cmd.contact_email),
                meta=ctx.meta(),
            )
            return self.ledger.record(startup, ctx, scope="registerStartup",
                                      claims=(("SIREN", cmd.siren),))

        return self.ledger.create_once(ctx, "registerStartup", create)

    def register_corporate(self, cmd: c.RegisterCorporate, ctx: CommandContext) -> Recorded:
        require_role(ctx.actor, Role.CORPORATE)
        user_id = ctx.actor.user_id or ""

        def create() -> Recorded:
            corporate = Corporate(
                name=cmd.name, siren=cmd.siren, description=cmd.description,
                website=cmd.website, sector=cmd.sector, admin_user_id=user_id,
                admin_contact=self._contact(user_id, cmd.contact_name, cmd.contact_email),
                meta=ctx.meta(),
            )
            return self.ledger.record(corporate, ctx, scope="registerCorporate",
                                      claims=(("SIREN", cmd.siren),))

        return self.ledger.create_once(ctx, "registerCorporate", create)

    def update_startup_profile(
        self, cmd: c.UpdateStartupProfile, ctx: CommandContext
    ) -> Recorded:
        return self._update_profile(Startup, cmd.id, cmd.expected_version, cmd.changes(), ctx)

    def update_corporate_profile(
        self, cmd: c.UpdateCorporateProfile, ctx: CommandContext
    ) -> Recorded:
        return self._update_profile(Corporate, cmd.id, cmd.expected_version, cmd.changes(), ctx)

    def _update_profile(
        self,
        kind: type[Organisation],
        organisation_id: UUID,
        expected_version: int | None,
        changes: dict[str, object],
        ctx: CommandContext,
    ) -> Recorded:
        self.ledger.load(kind, organisation_id)  # NOT_FOUND before FORBIDDEN
        require_member(ctx.actor, organisation_id, self.memberships)
        meta = ctx.meta(organisation_id)
        return self.ledger.change(
            kind, organisation_id, expected_version,
            lambda org: org.update_profile(changes, meta), ctx,
        )

    def add_member(self, cmd: c.AddMember, ctx: CommandContext) -> Recorded:
        self.ledger.load(Organisation, cmd.organisation_id)
        require_member(ctx.actor, cmd.organisation_id, self.memberships, admin=True)
        contact = self._contact(cmd.user_id, cmd.display_name, cmd.email)
        meta = ctx.meta(cmd.organisation_id)
        return self.ledger.change(
            Organisation, cmd.organisation_id, None,
            lambda org: org.add_member(cmd.user_id, cmd.role, contact, meta), ctx,
        )

    def grant_label(self, cmd: c.ChangeLabel, ctx: CommandContext) -> Recorded:
        require_role(ctx.actor, Role.OPERATOR)
        return self.ledger.change(
            Startup, cmd.startup_id, None,
            lambda s: s.grant_label(cmd.label, ctx.meta()), ctx,
        )

    def revoke_label(self, cmd: c.ChangeLabel, ctx: CommandContext) -> Recorded:
        require_role(ctx.actor, Role.OPERATOR)
        return self.ledger.change(
            Startup, cmd.startup_id, None,
            lambda s: s.revoke_label(cmd.label, ctx.meta()), ctx,
        )

    def admit_to_community(self, cmd: c.AdmitToCommunity, ctx: CommandContext) -> Recorded:
        require_role(ctx.actor, Role.OPERATOR)
        return self.ledger.change(
            Corporate, cmd.corporate_id, None,
            lambda corp: corp.admit_to_community(ctx.meta()), ctx,
        )
