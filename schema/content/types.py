"""Open-content types, built from read-model rows."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from schema.common import Node, Versioned

if TYPE_CHECKING:
    from schema.deals.agreement_types import Agreement
    from schema.organisations.types import Corporate, Startup

CorporateRef = Annotated["Corporate", strawberry.lazy("schema.organisations.types")]
StartupRef = Annotated["Startup", strawberry.lazy("schema.organisations.types")]
AgreementRef = Annotated["Agreement", strawberry.lazy("schema.deals.agreement_types")]


@strawberry.enum
class ResourceKind(Enum):
    GUIDE = "GUIDE"
    ARTICLE = "ARTICLE"
    VIDEO = "VIDEO"
    TEMPLATE = "TEMPLATE"


def _versioned(row: Any) -> dict[str, Any]:
    return {"id": strawberry.ID(str(row["id"])), "version": row["version"],
            "created_at": row["created_at"], "updated_at": row["updated_at"]}


@strawberry.type
class Resource(Node, Versioned):
    id: strawberry.ID
    version: int
    created_at: datetime
    updated_at: datetime
    kind: ResourceKind
    title: str
    body: str
    tags: list[str]

    @classmethod
    def from_row(cls, row: Any) -> Resource:
        return cls(**_versioned(row), kind=ResourceKind(row["kind"]), title=row["title"],
                   body=row["body"], tags=list(row["tags"]))


async def _organisation(info: Info[Any, Any], organisation_id: UUID) -> Any:
    from schema.organisations.types import organisation_from_row

    row = await info.context.loaders.organisation.load(organisation_id)
    return organisation_from_row(row) if row else None


@strawberry.type
class CaseStudy(Node, Versioned):
    id: strawberry.ID
    version: int
    created_at: datetime
    updated_at: datetime
    title: str
    summary: str
    published: bool = strawberry.field(description="Published only once both parties of the agreement have consented.")
    published_at: datetime | None
    consented_by: list[strawberry.ID] = strawberry.field(description="The parties that have consented so far.")
    agreement_id: strawberry.Private[UUID]
    corporate_id: strawberry.Private[UUID]
    startup_id: strawberry.Private[UUID]

    @strawberry.field(description="The corporate party of the agreement.")
    async def corporate(self, info: Info[Any, Any]) -> CorporateRef | None:
        return await _organisation(info, self.corporate_id)

    @strawberry.field(description="The startup party of the agreement.")
    async def startup(self, info: Info[Any, Any]) -> StartupRef | None:
        return await _organisation(info, self.startup_id)

    @strawberry.field(description="The agreement, for those allowed to see it (its parties and auditors); null for anyone else.")
    async def agreement(self, info: Info[Any, Any]) -> AgreementRef | None:
        # Through the deals slice's node resolver, which applies its visibility rules.
        resolve = info.context.services.node_resolvers.get("Agreement")
        return await resolve(info, self.agreement_id) if resolve else None

    @classmethod
    def from_row(cls, row: Any) -> CaseStudy:
        return cls(
            **_versioned(row), title=row["title"], summary=row["summary"],
            published=row["published"], published_at=row["published_at"],
            consented_by=[strawberry.ID(str(o)) for o in row["consented_by"]],
            agreement_id=row["agreement_id"], corporate_id=row["corporate_id"],
            startup_id=row["startup_id"],
        )


@strawberry.type
class PlatformEvent(Node, Versioned):
    id: strawberry.ID
    version: int
    created_at: datetime
    updated_at: datetime
    title: str
    starts_at: datetime
    location: str
    capacity: int
    registered_count: int
    cancelled: bool
    seats_left: int = strawberry.field(description="Capacity minus registered organisations.")

    @classmethod
    def from_row(cls, row: Any) -> PlatformEvent:
        count = len(row["registered"])
        return cls(**_versioned(row), title=row["title"], starts_at=row["starts_at"],
                   location=row["location"], capacity=row["capacity"], registered_count=count,
                   cancelled=row["cancelled"], seats_left=max(row["capacity"] - count, 0))
