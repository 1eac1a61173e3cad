"""Shared GraphQL types: enums, Relay connections, Node and Versioned."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar
from uuid import UUID

import strawberry
from strawberry.types import Info

from projections.pagination import Page

if TYPE_CHECKING:
    from schema.ledger import LedgerEntry

T = TypeVar("T")


@strawberry.enum
class Role(Enum):
    VISITOR = "VISITOR"
    STARTUP = "STARTUP"
    CORPORATE = "CORPORATE"
    OPERATOR = "OPERATOR"
    AUDITOR = "AUDITOR"
    INTEGRATOR = "INTEGRATOR"


@strawberry.enum
class MemberRole(Enum):
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"


@strawberry.enum
class Label(Enum):
    NEXT40 = "NEXT40"
    FT120 = "FT120"
    DEEPTECH = "DEEPTECH"
    GREENTECH = "GREENTECH"
    FRENCH_TECH_TREMPLIN = "FRENCH_TECH_TREMPLIN"


@strawberry.enum
class Currency(Enum):
    EUR = "EUR"
    USD = "USD"
    GBP = "GBP"
    CHF = "CHF"


@strawberry.type
class Money:
    """A decimal amount and a currency, never a float (shared by every slice)."""

    amount: Decimal
    currency: Currency

    @classmethod
    def from_columns(cls, amount: Any, currency: Any) -> Money | None:
        if amount is None:
            return None
        return cls(amount=Decimal(amount), currency=Currency(currency))


@strawberry.input
class MoneyInput:
    amount: Decimal
    currency: Currency = Currency.EUR


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo
    total_count: int


def connection(page: Page[Any], build: Any) -> Any:
    """A Relay connection from a page of rows and a row → type function."""
    nodes = [build(item) for item in page.items]
    return Connection(
        edges=[Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=page.has_next, has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        total_count=page.total,
    )


@strawberry.interface
class Node:
    id: strawberry.ID


LedgerEntryRef = Annotated["LedgerEntry", strawberry.lazy("schema.ledger")]


@strawberry.interface(description="An entity whose state is folded from its own event stream.")
class Versioned:
    id: strawberry.ID
    version: int = strawberry.field(description="Number of events in the stream so far.")
    created_at: datetime
    updated_at: datetime

    @strawberry.field(
        description="The stream's events, oldest first. Seen by auditors, operators (not for "
        "agreements) and members of the organisations party to the stream; for anyone else "
        "null, with a top-level FORBIDDEN error."
    )
    async def history(
        self, info: Info[Any, Any], first: int | None = 50, after: str | None = None
    ) -> Connection[LedgerEntryRef] | None:
        from schema.ledger import history_of

        return await history_of(info, UUID(str(self.id)), first, after)
