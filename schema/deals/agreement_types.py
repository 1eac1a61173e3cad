"""Agreement types, built from read-model rows. Terms are shown to the two
parties and auditors only; operators get null."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from schema.common import Node, Versioned
from schema.deals.access import both_parties, can_read_terms
from schema.deals.application_ref import Application
from schema.deals.money import Money, money_event
from schema.organisations.types import Corporate, Organisation, Startup, organisation_from_row


@strawberry.enum
class AgreementKind(Enum):
    NDA = "NDA"
    MEMORANDUM = "MEMORANDUM"
    PILOT = "PILOT"
    COMMERCIAL = "COMMERCIAL"
    LICENCE = "LICENCE"


@strawberry.enum
class AgreementStatus(Enum):
    NEGOTIATING = "NEGOTIATING"
    IN_FORCE = "IN_FORCE"
    TERMINATED = "TERMINATED"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"


@strawberry.enum
class ForegroundIpOwner(Enum):
    STARTUP = "STARTUP"
    CORPORATE = "CORPORATE"
    JOINT = "JOINT"


@strawberry.type(description="The negotiated clauses of one revision of an agreement (memorandum of collaboration).")
class AgreementTerms:
    scope: str
    success_criteria: list[str] = strawberry.field(description="Acceptance criteria of a pilot: at least one for kind PILOT.")
    foreground_ip_owner: ForegroundIpOwner = strawberry.field(description="Each party keeps its background IP; who owns what is created together:")
    licence: str | None
    confidentiality_months: int
    exclusivity_months: int | None
    duration_months: int
    price: Money | None
    payment_term_days: int | None
    publication_allowed: bool

    @classmethod
    def from_canonical(cls, t: dict[str, Any]) -> AgreementTerms:
        """From the canonical terms stored in events (snake_case keys)."""
        return cls(
            scope=t["scope"], success_criteria=list(t["success_criteria"]),
            foreground_ip_owner=ForegroundIpOwner(t["foreground_ip_owner"]),
            licence=t.get("licence"), confidentiality_months=t["confidentiality_months"],
            exclusivity_months=t.get("exclusivity_months"), duration_months=t["duration_months"],
            price=money_event(t["price"]) if t.get("price") else None,
            payment_term_days=t.get("payment_term_days"),
            publication_allowed=t["publication_allowed"],
        )


@strawberry.type
class Signature:
    user_id: str
    signed_at: datetime
    revision: int
    terms_hash: str = strawberry.field(description="SHA-256 of the canonical terms of the signed revision.")
    organisation_id: strawberry.Private[UUID]

    @strawberry.field
    async def organisation(self, info: Info[Any, Any]) -> Organisation:
        row = await info.context.loaders.organisation.load(self.organisation_id)
        return organisation_from_row(row)

    @classmethod
    def from_json(cls, s: dict[str, Any]) -> Signature:
        return cls(user_id=s["user_id"], signed_at=datetime.fromisoformat(s["signed_at"]),
                   revision=s["revision"], terms_hash=s["terms_hash"],
                   organisation_id=UUID(s["organisation_id"]))


@strawberry.type
class Agreement(Node, Versioned):
    id: strawberry.ID
    version: int
    created_at: datetime
    updated_at: datetime
    kind: AgreementKind
    title: str
    revision: int = strawberry.field(description="Revision number of the current terms; every amendment adds one and voids all signatures.")
    terms_hash: str = strawberry.field(description="SHA-256 (hex) of the canonical terms of the current revision (see docs/deals.md).")
    signatures: list[Signature] = strawberry.field(description="Signatures of the current revision (an amendment voids them all).")
    status: AgreementStatus
    in_force_at: datetime | None
    termination_reason: str | None
    rejection_reason: str | None
    row: strawberry.Private[Any]

    @strawberry.field
    async def corporate(self, info: Info[Any, Any]) -> Corporate:
        return Corporate.from_row(await info.context.loaders.organisation.load(self.row["corporate_id"]))

    @strawberry.field
    async def startup(self, info: Info[Any, Any]) -> Startup:
        return Startup.from_row(await info.context.loaders.organisation.load(self.row["startup_id"]))

    @strawberry.field(description="The application it follows from, if any.")
    async def application(self, info: Info[Any, Any]) -> Application | None:
        application_id = self.row["application_id"]
        resolve = info.context.services.node_resolvers.get("Application")
        if application_id is None or resolve is None:
            return None
        return await resolve(info, application_id)

    @strawberry.field(description="Null for viewers who are not party to it (operators see status, parties and signatures, not the terms).")
    async def terms(self, info: Info[Any, Any]) -> AgreementTerms | None:
        if not await can_read_terms(info, both_parties(self.row)):
            return None
        return AgreementTerms.from_canonical(self.row["terms"])

    @classmethod
    def from_row(cls, row: Any) -> Agreement:
        return cls(
            id=strawberry.ID(str(row["id"])), version=row["version"],
            created_at=row["created_at"], updated_at=row["updated_at"],
            kind=AgreementKind(row["kind"]), title=row["title"], revision=row["revision"],
            terms_hash=row["terms_hash"],
            signatures=[Signature.from_json(s) for s in row["signatures"]],
            status=AgreementStatus(row["status"]), in_force_at=row["in_force_at"],
            termination_reason=row["termination_reason"],
            rejection_reason=row["rejection_reason"], row=row,
        )
