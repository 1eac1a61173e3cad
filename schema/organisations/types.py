"""Organisation types, built from read-model rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.policy import can_see_members
from infra import pii
from schema.common import Label, MemberRole, Node, Role, Versioned


@strawberry.type
class Member:
    user_id: str
    role: MemberRole
    display_name: str | None = strawberry.field(description="Personal data: null once the person has been forgotten.")
    email: str | None


async def members_of(info: Info[Any, Any], organisation_id: UUID) -> list[Member]:
    """Seen by the organisation's own members, operators and auditors."""
    context = info.context
    if not can_see_members(context.actor, await context.viewer_orgs(), organisation_id):
        return []
    rows = await context.loaders.members.load(organisation_id)
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

    @strawberry.field(description="Seen by the organisation's own members, operators and auditors; empty for anyone else.")
    async def members(self, info: Info[Any, Any]) -> list[Member]:
        return await members_of(info, UUID(str(self.id)))

    @classmethod
    def from_row(cls, row: Any) -> Startup:
        return cls(**_common(row), city=row["city"], founded_year=row["founded_year"],
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

    @strawberry.field(description="Seen by the organisation's own members, operators and auditors; empty for anyone else.")
    async def members(self, info: Info[Any, Any]) -> list[Member]:
        return await members_of(info, UUID(str(self.id)))

    @classmethod
    def from_row(cls, row: Any) -> Corporate:
        return cls(**_common(row), sector=row["sector"], community_member=row["community_member"])


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
