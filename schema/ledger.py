"""The ledger as GraphQL: entries, history, the whole ledger, verification."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from pydantic.alias_generators import to_camel
from strawberry.scalars import JSON
from strawberry.types import Info

from domain.actors import Role as DomainRole
from domain.policy import can_see_stream
from infra import pii
from projections.entries import Entry
from projections.pagination import PaginationError, clamp_first
from projections.queries import ledger as q
from schema.common import Connection, Role, connection
from schema.errors import bad_request, forbidden


@strawberry.type(description="Who did it, as recorded with the event.")
class Actor:
    user_id: str | None
    role: Role
    organisation_id: strawberry.ID | None


@strawberry.type
class LedgerEntry:
    position: int = strawberry.field(description="Global position in the ledger: 1, 2, 3... in commit order, with no gaps (a refused or rolled-back command uses no position).")
    stream_id: strawberry.ID
    stream_type: str = strawberry.field(description="Startup, Corporate, Solution, Call, Application, Agreement, PurchaseOrder, Loan, Event, Resource, CaseStudy")
    version: int = strawberry.field(description="Version of the stream after this event (1 for the first).")
    type: str = strawberry.field(description="Event type, past tense, e.g. StartupRegistered, AgreementSigned.")
    occurred_at: datetime
    actor: Actor
    hash: str = strawberry.field(description="SHA-256 (hex) over previousHash and this event's stored bytes: the stream's own chain.")
    previous_hash: str | None = strawberry.field(description="The hash of the previous entry of the same stream; null for a stream's first entry.")
    ledger_hash: str = strawberry.field(description="SHA-256 (hex) over the previous ledger entry's ledgerHash (in position order) and this entry's hash: the chain across the whole ledger.")
    correlation_id: str | None
    causation_id: str | None
    data: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="The event's data. Erased personal data reads as null.")
    async def payload(self, info: Info[Any, Any]) -> JSON:
        owners = sorted(pii.collect_owners(self.data, set()))
        keys = await info.context.loaders.person_key.load_many(owners)
        revealed = pii.reveal(self.data, {o: k for o, k in zip(owners, keys, strict=True) if k})
        return camelize(revealed)


def camelize(value: Any) -> Any:
    """Payload keys as the API spells its fields (the stored bytes keep Python's)."""
    if isinstance(value, dict):
        return {to_camel(k): camelize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camelize(v) for v in value]
    return value


def entry_type(e: Entry) -> LedgerEntry:
    meta = e.meta
    org = meta.get("organisationId")
    return LedgerEntry(
        position=e.position, stream_id=strawberry.ID(str(e.stream_id)), stream_type=e.stream_type,
        version=e.version, type=e.type, occurred_at=e.occurred_at,
        actor=Actor(user_id=meta.get("userId"), role=Role(meta.get("role", "VISITOR")),
                    organisation_id=strawberry.ID(org) if org else None),
        hash=e.hash.hex(), previous_hash=e.previous_hash.hex() if e.previous_hash else None,
        ledger_hash=e.ledger_hash.hex(), correlation_id=meta.get("correlationId"),
        causation_id=meta.get("causationId"), data=e.data,
    )


async def access_of(info: Info[Any, Any]) -> q.Access:
    """The ledger entries this viewer may read (ARCHITECTURE.md, who may do what)."""
    actor = info.context.actor
    if actor.role is DomainRole.AUDITOR:
        return q.Access(everything=True)
    if actor.role is DomainRole.OPERATOR:
        return q.Access(everything=True, excluded_stream_types=frozenset({"Agreement"}))
    return q.Access(party_of=await info.context.viewer_orgs())


async def history_of(
    info: Info[Any, Any], stream_id: UUID, first: int | None, after: str | None
) -> Connection[LedgerEntry] | None:
    context = info.context
    try:
        limit = clamp_first(first, 50)
        async with context.pool.acquire() as conn:
            head = await q.stream_head(conn, stream_id)
            if head is None:
                return None
            parties = frozenset(head["parties"])
            if not can_see_stream(context.actor, await context.viewer_orgs(),
                                  head["stream_type"], parties):
                raise forbidden("You may not read this history")
            page = await q.stream_page(conn, stream_id, limit, after)
    except PaginationError as exc:
        raise bad_request(exc) from None
    result: Connection[LedgerEntry] = connection(page, entry_type)
    return result


@strawberry.input
class LedgerFilter:
    stream_types: list[str] | None = None
    stream_ids: list[strawberry.ID] | None = None
    event_types: list[str] | None = None


@strawberry.type
class Verification:
    valid: bool
    checked_entries: int
    head_hash: str | None = strawberry.field(description="Hash of the last entry checked.")
    first_invalid_position: int | None = strawberry.field(description="Position of the first entry whose hash does not match, if any.")
    message: str


def _filter(f: LedgerFilter | None) -> q.LedgerFilter:
    if f is None:
        return q.LedgerFilter()
    try:
        ids = [UUID(str(i)) for i in f.stream_ids] if f.stream_ids is not None else None
    except ValueError:
        raise bad_request(PaginationError("streamIds must be ids")) from None
    return q.LedgerFilter(f.stream_types, ids, f.event_types)


@strawberry.type
class LedgerQuery:
    @strawberry.field(description="The ledger in position order, from the first entry after position `after` (exclusive). Auditors see every entry; operators every entry but those of agreements; others the entries of streams they are party to. totalCount counts the visible entries matching the filter, whatever `after` is.")
    async def ledger(
        self, info: Info[Any, Any], after: int | None = None, first: int | None = 100,
        filter: LedgerFilter | None = None,
    ) -> Connection[LedgerEntry]:
        try:
            limit = clamp_first(first, 100)
            access = await access_of(info)
            async with info.context.pool.acquire() as conn:
                page = await q.ledger_page(conn, after, limit, access, _filter(filter))
        except PaginationError as exc:
            raise bad_request(exc) from None
        result: Connection[LedgerEntry] = connection(page, entry_type)
        return result

    @strawberry.field(description="Recompute the hash chain of one stream, or of the whole ledger when id is omitted.")
    async def verify(self, info: Info[Any, Any], id: strawberry.ID | None = None) -> Verification:
        actor = info.context.actor
        stream_id = _stream_id(id)
        if stream_id is None and actor.role not in (DomainRole.AUDITOR, DomainRole.OPERATOR):
            raise forbidden("Only auditors and operators verify the whole ledger")
        if stream_id is not None:
            await _require_stream_access(info, stream_id)
        async with info.context.pool.acquire() as conn:
            v = await q.verify(conn, stream_id)
        return Verification(
            valid=v.valid, checked_entries=v.checked,
            head_hash=v.head_hash.hex() if v.head_hash else None,
            first_invalid_position=v.first_invalid_position, message=v.message,
        )


def _stream_id(id: strawberry.ID | None) -> UUID | None:
    if id is None:
        return None
    try:
        return UUID(str(id))
    except ValueError:
        raise bad_request(PaginationError("id is not an id")) from None


async def _require_stream_access(info: Info[Any, Any], stream_id: UUID) -> None:
    async with info.context.pool.acquire() as conn:
        head = await q.stream_head(conn, stream_id)
    if head is None:
        raise forbidden("No such stream, or not one you may verify")
    if not can_see_stream(info.context.actor, await info.context.viewer_orgs(),
                          head["stream_type"], frozenset(head["parties"])):
        raise forbidden("No such stream, or not one you may verify")
