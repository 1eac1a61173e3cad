"""Organisation types, built from read-model rows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.policy import can_see_members
from infra import pii
from projections.organisations import evolve_member, member_key
from projections.queries.timetravel import fold_keyed
from schema.common import Connection, Label, MemberRole, Node, Role, Versioned

if TYPE_CHECKING:
    from schema.calls.types import Application, Call
    from schema.deals.agreement_types import Agreement
    from schema.deals.loan_types import Loan
    from schema.deals.order_types import PurchaseOrder
    from schema.directory.types import Solution

# Other slices' types, resolved lazily (they import this module).
AgreementRef = Annotated["Agreement", strawberry.lazy("schema.deals.agreement_types")]
LoanRef = Annotated["Loan", strawberry.lazy("schema.deals.loan_types")]
PurchaseOrderRef = Annotated["PurchaseOrder", strawberry.lazy("schema.deals.order_types")]
SolutionRef = Annotated["Solution", strawberry.lazy("schema.directory.types")]
ApplicationRef = Annotated["Application", strawberry.lazy("schema.calls.types")]
CallRef = Annotated["Call", strawberry.lazy("schema.calls.types")]


@strawberry.type
class Member:
    user_id: str
    role: MemberRole
    display_name: str | None = strawberry.field(description="Personal data: null once the person has been forgotten.")
    email: str | None


# (asOf, atVersion) of a time-travel read, so nested members are of that moment too.
Past = tuple[datetime | None, int | None]


async def _member_rows(info: Info[Any, Any], organisation_id: UUID, past: Past | None) -> list[Any]:
    if past is None:
        rows: list[Any] = await info.context.loaders.members.load(organisation_id)
        return rows
    async with info.context.pool.acquire() as conn:
        folded = await fold_keyed(conn, organisation_id, member_key, evolve_member, *past)
    return sorted(folded.values(), key=lambda r: (r["added_at"], r["user_id"]))


async def members_of(
    info: Info[Any, Any], organisation_id: UUID, past: Past | None = None
) -> list[Member]:
    """Seen by the organisation's own members, operators and auditors."""
    context = info.context
    if not can_see_members(context.actor, await context.viewer_orgs(), organisation_id):
        return []
    rows = await _member_rows(info, organisation_id, past)
    keys = await context.loaders.person_key.load_many([r["user_id"] for r in rows])
    members = []
    for row, key in zip(rows, keys, strict=True):
        contact = pii.unseal(row["contact"], key) or {}
        members.append(Member(user_id=row["user_id"], role=MemberRole(row["role"]),
                              display_name=contact.get("displayName"), email=contact.get("email")))
    return members


@strawberry.interface
class Organisation:
    id: strawberry.ID
    name: str
    siren: str = strawberry.field(description="French company number, 9 digits with a valid Luhn checksum.")


def _common(row: Any) -> dict[str, Any]:
    return {
        "id": strawberry.ID(str(row["id"])), "version": row["version"],
        "created_at": row["created_at"], "updated_at": row["updated_at"], "name": row["name"],
        "siren": row["siren"], "description": row["description"], "website": row["website"],
    }


@strawberry.type
class Startup(Node, Versioned, Organisation):
    id: strawberry.ID
    version: int
    created_at: datetime
    updated_at: datetime
    name: str
    siren: str
    description: str
    website: str | None
    city: str | None
    founded_year: int | None
    sectors: list[str]
    technologies: list[str]
    labels: list[Label]
    past: strawberry.Private[Past | None] = None

    @strawberry.field(description="Seen by the organisation's own members, operators and auditors; empty for anyone else.")
    async def members(self, info: Info[Any, Any]) -> list[Member]:
        return await members_of(info, UUID(str(self.id)), self.past)

    @strawberry.field
    async def solutions(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None
    ) -> Connection[SolutionRef]:
        from schema.directory.links import startup_solutions

        return await startup_solutions(info, UUID(str(self.id)), first, after)

    @strawberry.field
    async def applications(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None
    ) -> Connection[ApplicationRef]:
        from schema.calls.links import startup_applications

        return await startup_applications(info, UUID(str(self.id)), first, after)

    @strawberry.field(description="Agreements the viewer may see that this startup is party to.")
    async def agreements(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None
    ) -> Connection[AgreementRef]:
        from schema.deals.links import startup_agreements

        return await startup_agreements(info, UUID(str(self.id)), first, after)

    @strawberry.field(description="The startup's scale-up loans: seen by its members, operators and auditors.")
    async def loans(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None
    ) -> Connection[LoanRef]:
        from schema.deals.links import startup_loans

        return await startup_loans(info, UUID(str(self.id)), first, after)

    @classmethod
    def from_row(cls, row: Any, past: Past | None = None) -> Startup:
        return cls(**_common(row), past=past, city=row["city"], founded_year=row["founded_year"],
                   sectors=list(row["sectors"]), technologies=list(row["technologies"]),
                   labels=[Label(x) for x in row["labels"]])


@strawberry.type
class Corporate(Node, Versioned, Organisation):
    id: strawberry.ID
    version: int
    created_at: datetime
    updated_at: datetime
    name: str
    siren: str
    description: str
    website: str | None
    sector: str | None
    community_member: bool = strawberry.field(description="Member of the corporate community programme.")
    past: strawberry.Private[Past | None] = None

    @strawberry.field(description="Seen by the organisation's own members, operators and auditors; empty for anyone else.")
    async def members(self, info: Info[Any, Any]) -> list[Member]:
        return await members_of(info, UUID(str(self.id)), self.past)

    @strawberry.field
    async def calls(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None
    ) -> Connection[CallRef]:
        from schema.calls.links import corporate_calls

        return await corporate_calls(info, UUID(str(self.id)), first, after)

    @strawberry.field(description="Purchase orders the viewer may see that this corporate issued.")
    async def orders(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None
    ) -> Connection[PurchaseOrderRef]:
        from schema.deals.links import corporate_orders

        return await corporate_orders(info, UUID(str(self.id)), first, after)

    @classmethod
    def from_row(cls, row: Any, past: Past | None = None) -> Corporate:
        return cls(**_common(row), past=past, sector=row["sector"], community_member=row["community_member"])


def organisation_from_row(row: Any) -> Startup | Corporate:
    return Startup.from_row(row) if row["kind"] == "STARTUP" else Corporate.from_row(row)


@strawberry.type
class Viewer:
    user_id: str | None
    role: Role

    @strawberry.field(description="Organisations the viewer is a member of, from the ledger.")
    async def organisations(self, info: Info[Any, Any]) -> list[Organisation]:
        ids = sorted(await info.context.viewer_orgs())
        rows = await info.context.loaders.organisation.load_many(ids)
        return [organisation_from_row(r) for r in rows if r is not None]


@strawberry.input
class StartupFilter:
    search: str | None = strawberry.field(default=None, description="Full-text search over name, description, sectors and technologies (French and English).")
    sector: str | None = None
    technology: str | None = None
    label: Label | None = None
