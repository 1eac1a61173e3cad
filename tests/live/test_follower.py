"""The catch-up → live switch, its bounded buffers and the visibility rules,
without a database: given a backlog and a feed, when followed, then each
visible position comes once, in order."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from infra.live import CatchUpPage, FellBehindError, LiveEntry, LiveFeed
from projections.queries.ledger import Access, LedgerFilter
from schema.live.follower import Follower
from schema.live.viewer import Viewer
from tests.live.entries import STREAM, entry, live

EVERYTHING = Access(everything=True)


class FakeBroker:
    """A ledger of `committed` entries; `feeds` get what `commit` adds later."""

    def __init__(self, committed: int, page_size: int = 4) -> None:
        self.committed = [live(p) for p in range(1, committed + 1)]
        self.page_size = page_size
        self.feeds: list[LiveFeed] = []
        self.subscriptions = 0

    async def subscribe(self) -> LiveFeed:
        self.subscriptions += 1
        feed = LiveFeed(limit=6)
        self.feeds.append(feed)
        return feed

    def unsubscribe(self, feed: LiveFeed) -> None:
        self.feeds.remove(feed)

    def commit(self, count: int) -> None:
        start = len(self.committed) + 1
        batch = [live(p) for p in range(start, start + count)]
        self.committed += batch
        for feed in self.feeds:
            feed.offer(batch)

    async def catch_up_page(self, after: int, *_: object) -> CatchUpPage:
        rows = [e for e in self.committed if e.entry.position > after][: self.page_size]
        return CatchUpPage(rows, frozenset(), len(rows) < self.page_size)


async def _positions(follower: Follower, until: int) -> list[int]:
    got: list[int] = []
    while not got or got[-1] < until:
        got += [le.entry.position for le in await follower.next_batch()]
    return got


async def test_entries_committed_while_catching_up_come_once_in_order() -> None:
    broker = FakeBroker(committed=10)
    follower = Follower(broker, Viewer(EVERYTHING, LedgerFilter()), 0)  # type: ignore[arg-type]
    await follower.start()
    first_page = await follower.next_batch()
    broker.commit(3)  # in the feed AND in the next catch-up pages
    first = [le.entry.position for le in first_page]
    assert first + await _positions(follower, 13) == list(range(1, 14))
    assert follower.live


async def test_a_feed_that_overflows_during_catch_up_is_renewed_not_fatal() -> None:
    broker = FakeBroker(committed=5)
    follower = Follower(broker, Viewer(EVERYTHING, LedgerFilter()), 0)  # type: ignore[arg-type]
    await follower.start()
    broker.commit(7)  # more than the feed's limit of 6, before we are live
    assert await _positions(follower, 12) == list(range(1, 13))
    assert await follower.next_batch() == []  # caught up: the feed is renewed
    broker.commit(2)
    assert await _positions(follower, 14) == [13, 14]
    assert broker.subscriptions == 2


async def test_a_live_subscriber_past_its_buffer_is_told_it_fell_behind() -> None:
    broker = FakeBroker(committed=0)
    follower = Follower(broker, Viewer(EVERYTHING, LedgerFilter()), 0)  # type: ignore[arg-type]
    await follower.start()
    assert await follower.next_batch() == [] and follower.live
    broker.commit(4)
    broker.commit(4)
    with pytest.raises(FellBehindError):
        await follower.next_batch()


def test_a_feed_offers_never_block_and_drop_everything_past_the_limit() -> None:
    feed = LiveFeed(limit=3)
    assert feed.offer([live(1), live(2)])
    assert not feed.offer([live(3), live(4)])
    assert feed.overflowed and not feed.offer([live(5)])


def test_operators_see_everything_but_agreements() -> None:
    viewer = Viewer(Access(everything=True, excluded_stream_types=frozenset({"Agreement"})),
                    LedgerFilter())
    assert viewer.sees(entry(1), frozenset())
    assert not viewer.sees(entry(2, stream_type="Agreement"), frozenset())


def test_members_and_integrators_see_the_streams_their_organisations_are_party_to() -> None:
    viewer = Viewer(Access(party_of=frozenset({STREAM})), LedgerFilter())
    assert viewer.sees(entry(1), frozenset({STREAM}))
    assert not viewer.sees(entry(2, uuid4()), frozenset({uuid4()}))


def test_the_filter_applies_to_stream_types_ids_and_event_types() -> None:
    viewer = Viewer(EVERYTHING, LedgerFilter(["Startup"], [STREAM], ["LabelRevoked"]))
    assert viewer.sees(entry(1, type="LabelRevoked"), frozenset())
    assert not viewer.sees(entry(2, type="LabelGranted"), frozenset())
    assert not viewer.sees(entry(3, uuid4(), type="LabelRevoked"), frozenset())


async def test_a_member_named_by_an_organisation_entry_is_re_read_before_judging_it() -> None:
    joined = uuid4()

    async def refresh(position: int) -> frozenset[UUID]:
        return frozenset({joined}) if position >= 7 else frozenset()

    viewer = Viewer(Access(), LedgerFilter(), "carol", refresh)
    registered = LiveEntry(entry(7, joined, version=1, type="StartupRegistered",
                                 data={"admin_user_id": "carol"}), frozenset({joined}))
    assert not viewer.sees(registered.entry, registered.parties)
    assert viewer.may_have_joined(registered.entry)
    assert await viewer.sees_after_refresh(registered.entry, registered.parties)
