"""Catch-up, then live, for one subscription: strict position order, no gap,
no duplicate across the switch.

The feed is taken BEFORE catching up, so everything committed from then on is
in it while the database holds everything before; reading the database until a
page comes back short therefore overlaps the feed, and entries at or below the
last position sent are dropped. Should the feed overflow during catch-up (a long
backlog), it is simply renewed: the database is the buffer until we are live."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from infra.live import LiveBroker, LiveEntry, LiveFeed
from schema.live.viewer import Viewer


class Delivery(Protocol):
    """A feed's taker that also holds claims (schema/live/direct.py)."""

    def __call__(self, batch: Sequence[LiveEntry], start: int) -> tuple[int, bool]: ...

    def settle(self) -> None:
        """Releases what the subscriber claimed for the batch it just finished."""

    def close(self) -> None:
        """The subscription ends: settle, and let go of the feed."""


class Follower:
    """Yields batches of visible entries after `after`; `next_batch` raises
    FellBehindError once live if the subscriber lets its buffer overflow."""

    __slots__ = ("_feed", "broker", "live", "scanned", "sent", "taker", "viewer")

    def __init__(self, broker: LiveBroker, viewer: Viewer, after: int) -> None:
        self.broker = broker
        self.viewer = viewer
        self.sent = after  # last position handed to the subscriber
        self.scanned = after  # last position catch-up has read
        self.live = False
        self.taker: Delivery | None = None  # given to each feed (schema/live/direct.py)
        self._feed: LiveFeed | None = None

    @property
    def feed(self) -> LiveFeed | None:
        return self._feed

    async def start(self) -> None:
        await self._subscribe()

    async def _subscribe(self) -> None:
        self._feed = await self.broker.subscribe()
        self._feed.taker = self.taker

    def close(self) -> None:
        if self.taker is not None:
            self.taker.close()
        if self._feed is not None:
            self.broker.unsubscribe(self._feed)

    async def next_batch(self) -> list[LiveEntry]:
        """The next batch; asking for it means the previous one was handed on."""
        assert self._feed is not None, "start() first"
        if self.taker is not None:
            self.taker.settle()
        if self.live:
            return await self._admit(await self._feed.next_batch())
        return await self._catch_up_batch()

    async def _catch_up_batch(self) -> list[LiveEntry]:
        v = self.viewer
        page = await self.broker.catch_up_page(self.scanned, v.access, v.filter, v.member)
        v.joined(page.member_of)
        visible = await self._admit(page.entries)
        if page.entries:
            self.scanned = page.entries[-1].entry.position
        if page.exhausted:
            await self._go_live()
        return visible

    async def _go_live(self) -> None:
        assert self._feed is not None
        if self._feed.overflowed:  # filled up while we read the backlog: read on from the DB
            self.broker.unsubscribe(self._feed)
            await self._subscribe()
            return
        self.live = True

    async def _admit(self, entries: Sequence[LiveEntry]) -> list[LiveEntry]:
        visible: list[LiveEntry] = []
        for le in entries:
            e = le.entry
            if e.position <= self.sent:
                continue  # catch-up already sent it
            if self.viewer.sees(e, le.parties) or (
                    self.viewer.may_have_joined(e)
                    and await self.viewer.sees_after_refresh(e, le.parties)):
                visible.append(le)
                self.sent = e.position
        return visible
