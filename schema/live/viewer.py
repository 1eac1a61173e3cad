"""Which live entries a subscriber may see: Query.ledger's rules (schema/ledger.py
`access_of`), applied entry by entry as the ledger grows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from projections.access import ORGANISATION_STREAMS
from projections.entries import Entry
from projections.queries.ledger import Access, LedgerFilter

# Waits for the projections to pass a position, then reads the member's organisations.
Refresh = Callable[[int], Awaitable[frozenset[UUID]]]


def matches(f: LedgerFilter, e: Entry) -> bool:
    """The subscriber's own filter (streamTypes, streamIds, eventTypes)."""
    return ((f.stream_types is None or e.stream_type in f.stream_types)
            and (f.stream_ids is None or e.stream_id in f.stream_ids)
            and (f.event_types is None or e.type in f.event_types))


def names_user(e: Entry, user_id: str) -> bool:
    """Whether an event names this user (registered admin, added member, actor)."""
    return e.meta.get("userId") == user_id or user_id in e.data.values()


class Viewer:
    """One subscriber's view. Startup and corporate users see their organisations'
    streams, and they may join an organisation while subscribed: memberships are
    recorded on organisation streams, naming the member, and read from the
    organisations projection, so such an entry is judged only once the projection
    has passed it (otherwise the subscriber would miss the entry making it a member)."""

    __slots__ = ("_refresh", "access", "filter", "member", "orgs")

    def __init__(self, access: Access, flt: LedgerFilter, member: str | None = None,
                 refresh: Refresh | None = None) -> None:
        self.access = access
        self.filter = flt
        self.member = member  # user whose memberships count (startup and corporate roles)
        self.orgs = access.party_of
        self._refresh = refresh

    def joined(self, orgs: frozenset[UUID]) -> None:
        self.orgs = self.orgs | orgs  # memberships only ever grow

    def sees(self, e: Entry, parties: frozenset[UUID]) -> bool:
        if not matches(self.filter, e) or e.stream_type in self.access.excluded_stream_types:
            return False
        return self.access.everything or not self.orgs.isdisjoint(parties)

    def may_have_joined(self, e: Entry) -> bool:
        return (self.member is not None and self._refresh is not None
                and e.stream_type in ORGANISATION_STREAMS and names_user(e, self.member))

    async def sees_after_refresh(self, e: Entry, parties: frozenset[UUID]) -> bool:
        """`sees`, once the projections have passed `e` and memberships are re-read."""
        assert self._refresh is not None
        self.joined(await self._refresh(e.position))
        return self.sees(e, parties)
