"""Live entries sent from the broker's turn (schema/live/direct.py): given idle
live subscribers, when a batch commits, then known results go straight to each
wire in order, unseen entries are skipped, and every other entry wakes the
subscriber's task; the first subscriber to find a result missing computes it,
the others park until it is known, and nothing parks for good."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Sequence
from typing import Any
from uuid import uuid4

import pytest
import strawberry
from graphql import OperationDefinitionNode, parse

import infra.live as live_module
import schema.live.shared as shared
from infra.live import CatchUpPage, LiveBroker, LiveEntry, LiveFeed, LiveLimits
from projections.queries.ledger import Access, LedgerFilter
from schema.app import build_schema
from schema.live.direct import DirectDelivery
from schema.live.follower import Follower
from schema.live.frames import FrameSender
from schema.live.shared import PARKED, SHARED_RESULTS, SharedResult, result_key, shared_entry
from schema.live.viewer import Viewer
from tests.live.entries import STREAM, entry, live

OP = parse("subscription { ledger { position } }").definitions[0]
assert isinstance(OP, OperationDefinitionNode)
KEY = result_key(OP, {}, {})
EVERYTHING = Access(everything=True)


class FakeWire:
    """Records the positions written; refuses while not `ready`."""

    def __init__(self) -> None:
        self.ready = True
        self.written: list[int] = []

    def write_text(self, text: str) -> bool:
        if not self.ready:
            return False
        self.written.append(json.loads(text)["payload"]["data"]["ledger"]["position"])
        return True


class Broker:
    """Feeds for followers that have nothing to catch up."""

    def __init__(self, limits: LiveLimits | None = None) -> None:
        self.limits = limits or LiveLimits()
        self.feeds: list[LiveFeed] = []

    async def subscribe(self) -> LiveFeed:
        feed = LiveFeed(self.limits.buffer_entries)
        self.feeds.append(feed)
        return feed

    def unsubscribe(self, feed: LiveFeed) -> None:
        self.feeds.remove(feed)

    async def catch_up_page(self, *_: object) -> CatchUpPage:
        return CatchUpPage([], frozenset(), True)

    def commit(self, batch: Sequence[LiveEntry]) -> None:
        for feed in self.feeds:
            feed.offer(batch)


def _sender(wire: FakeWire | None) -> FrameSender:
    """The subscription's real FrameSender, for operation "1" of OP."""
    sender = object.__new__(FrameSender)
    sender.operation, sender.key, sender.websocket, sender.wire = OP, KEY, None, wire
    sender.prefix = '{"id":"1","type":"next","payload":'
    return sender


class Subscriber:
    def __init__(self, follower: Follower, direct: DirectDelivery, wire: FakeWire) -> None:
        self.follower, self.direct, self.wire = follower, direct, wire
        self.task: asyncio.Task[list[LiveEntry]] | None = None

    async def idle(self) -> Subscriber:
        """Its task waits on the feed, as a live subscription's does."""
        self.task = asyncio.ensure_future(self.follower.next_batch())
        await asyncio.sleep(0)
        return self

    async def asleep(self) -> bool:
        for _ in range(3):
            await asyncio.sleep(0)
        assert self.task is not None
        return not self.task.done()

    async def woken_with(self) -> list[int]:
        assert self.task is not None
        return [le.entry.position for le in await asyncio.wait_for(self.task, 1)]


async def _subscriber(broker: Broker, viewer: Viewer | None = None) -> Subscriber:
    follower = Follower(broker, viewer or Viewer(EVERYTHING, LedgerFilter()), 0)  # type: ignore[arg-type]
    wire = FakeWire()
    direct = DirectDelivery.attach(follower, _sender(wire))
    assert direct is not None
    await follower.start()
    assert await follower.next_batch() == [] and follower.live
    return await Subscriber(follower, direct, wire).idle()


def _computed(le: LiveEntry) -> None:
    """What SharedEventExecution does once an entry's result is computed."""
    obj = shared_entry(le)
    data = {"ledger": {"position": le.entry.position}}
    getattr(obj, SHARED_RESULTS)[KEY] = SharedResult(OP, data)
    shared.release(obj, KEY)


async def test_known_results_go_straight_to_each_wire_and_no_task_wakes() -> None:
    broker = Broker()
    subscribers = [await _subscriber(broker) for _ in range(3)]
    batch = [live(1), live(2)]
    for le in batch:
        _computed(le)
    broker.commit(batch)
    for s in subscribers:
        assert s.wire.written == [1, 2] and s.follower.sent == 2 and await s.asleep()


async def test_what_the_subscriber_already_has_is_not_sent_again() -> None:
    broker = Broker()
    s = await _subscriber(broker)
    s.follower.sent = 2  # e.g. read by catch-up as well
    batch = [live(1), live(2), live(3)]
    for le in batch:
        _computed(le)
    broker.commit(batch)
    assert s.wire.written == [3] and await s.asleep()


async def test_the_first_to_find_results_missing_computes_them_and_the_others_park() -> None:
    broker = Broker()
    first, *others = [await _subscriber(broker) for _ in range(3)]
    batch = [live(1), live(2)]
    broker.commit(batch)
    assert first.direct.claims == [shared_entry(le) for le in batch]
    assert await first.woken_with() == [1, 2]
    for s in others:
        assert s.follower.feed is not None and s.follower.feed.parked
        assert s.wire.written == [] and await s.asleep()
    _computed(batch[0])  # the first subscriber's task computed entry 1...
    for s in others:  # ...so they send it, and park on entry 2, which it computes next
        assert s.wire.written == [1] and s.follower.feed and s.follower.feed.parked
    _computed(batch[1])
    for s in others:
        assert s.wire.written == [1, 2] and s.follower.sent == 2 and await s.asleep()
    first.direct.settle()  # after its batch: nothing left parked on it
    assert all(not getattr(shared_entry(le), PARKED) for le in batch)


async def test_a_computing_subscriber_that_goes_away_releases_the_parked() -> None:
    broker = Broker()
    first, second, third = [await _subscriber(broker) for _ in range(3)]
    broker.commit([live(1)])
    first.direct.settle()  # its task ended before computing (the subscription's finally)
    assert await second.woken_with() == [1]  # the second computes it now...
    assert third.follower.feed and third.follower.feed.parked and await third.asleep()
    second.direct.settle()  # ...or goes away too
    assert await third.woken_with() == [1]


async def test_unseen_entries_are_skipped_and_a_possible_membership_wakes_the_task() -> None:
    broker = Broker()
    ours = uuid4()
    viewer = Viewer(Access(party_of=frozenset({ours})), LedgerFilter(), "carol",
                    refresh=lambda _: asyncio.sleep(0, frozenset()))  # type: ignore[arg-type]
    s = await _subscriber(broker, viewer)
    joins = LiveEntry(entry(3, uuid4(), type="MemberAdded", data={"user_id": "carol"}),
                      frozenset())
    batch = [live(1, frozenset({uuid4()})), live(2, frozenset({ours})), joins,
             live(4, frozenset({ours}))]
    for le in batch:
        _computed(le)
    broker.commit(batch)
    assert s.wire.written == [2] and s.follower.sent == 2
    # The task judges 3 once the projections pass it (not a member: dropped).
    assert await s.woken_with() == [4]


async def test_a_wire_that_is_not_ready_leaves_the_entry_to_the_task() -> None:
    broker = Broker()
    s = await _subscriber(broker)
    s.wire.ready = False
    batch = [live(1)]
    _computed(batch[0])
    broker.commit(batch)
    assert s.wire.written == [] and s.follower.sent == 0
    assert await s.woken_with() == [1]  # sent by the task, through the ASGI path


async def test_no_one_parks_on_a_subscriber_that_may_wait_on_the_projections() -> None:
    broker = Broker()
    member = Viewer(Access(party_of=frozenset({STREAM})), LedgerFilter(), "dave",
                    refresh=lambda _: asyncio.sleep(0, frozenset()))  # type: ignore[arg-type]
    waits = await _subscriber(broker, member)
    other = await _subscriber(broker)
    joins = LiveEntry(entry(2, uuid4(), type="MemberAdded", data={"user_id": "dave"}),
                      frozenset())
    batch = [live(1), joins]
    broker.commit(batch)
    assert waits.direct.claims == []
    assert await waits.woken_with() == [1]  # 2: not a member after all, once re-read
    # The next subscriber claims both, not parked on the one that may wait.
    assert other.direct.claims == [shared_entry(le) for le in batch]
    assert await other.woken_with() == [1, 2]


async def test_direct_delivery_needs_the_wire_and_can_be_turned_off() -> None:
    on, off = Broker(), Broker(LiveLimits(direct=0))
    viewer = Viewer(EVERYTHING, LedgerFilter())
    assert DirectDelivery.attach(Follower(on, viewer, 0), None) is None  # type: ignore[arg-type]
    assert DirectDelivery.attach(Follower(on, viewer, 0), _sender(None)) is None  # type: ignore[arg-type]
    assert DirectDelivery.attach(Follower(off, viewer, 0), _sender(FakeWire())) is None  # type: ignore[arg-type]
    follower = Follower(on, viewer, 0)  # type: ignore[arg-type]
    assert DirectDelivery.attach(follower, _sender(FakeWire())) is follower.taker


async def test_the_broker_wakes_feeds_still_parked_on_its_batch_after_a_while(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live_module, "PARKED_SECONDS", 0.01)
    broker = LiveBroker("postgresql://unused", pool=None)  # type: ignore[arg-type]
    feed = LiveFeed(10)
    feed.taker = lambda batch: (0, True)
    broker._feeds.add(feed)
    waiting = asyncio.ensure_future(feed.next_batch())
    await asyncio.sleep(0)
    feed.offer([live(1)])
    broker._watch_parked(1)
    assert feed.parked and not waiting.done()
    assert [le.entry.position for le in await asyncio.wait_for(waiting, 1)] == [1]


# SharedEventExecution releases whoever parked on an entry once its execution
# ends, whatever the outcome: a result, a result with errors, or none.

@strawberry.type
class Item:
    n: int

    @strawberry.field
    def broken(self) -> int | None:
        raise ValueError("no")

    @strawberry.field
    async def slow(self) -> int:
        await asyncio.Event().wait()
        return 0


@strawberry.type
class ToyQuery:
    ok: bool = True


@strawberry.type
class ToyMutation:
    @strawberry.mutation
    def poke(self) -> bool:
        return True


@strawberry.type
class ToySubscription:
    @strawberry.subscription
    async def items(self) -> AsyncGenerator[Item, None]:
        item = Item(n=1)
        setattr(item, SHARED_RESULTS, {})
        setattr(item, PARKED, {})
        yield item


@pytest.mark.parametrize(("fields", "shared_too"), [("n", True), ("n broken", False)])
async def test_the_execution_releases_the_parked_when_it_ends(
    monkeypatch: pytest.MonkeyPatch, fields: str, shared_too: bool,
) -> None:
    released: list[tuple[object, Any]] = []
    monkeypatch.setattr(shared, "release", lambda obj, key: released.append((obj, key)))
    schema = build_schema((ToyQuery,), (ToyMutation,), (ToySubscription,))
    results = [r async for r in await schema.stream(f"subscription {{ items {{ {fields} }} }}")]
    assert len(results) == 1 and len(released) == 1
    obj, key = released[0]
    assert (key in getattr(obj, SHARED_RESULTS)) is shared_too


async def test_a_cancelled_execution_releases_the_parked(monkeypatch: pytest.MonkeyPatch) -> None:
    released: list[tuple[object, Any]] = []
    monkeypatch.setattr(shared, "release", lambda obj, key: released.append((obj, key)))
    schema = build_schema((ToyQuery,), (ToyMutation,), (ToySubscription,))
    stream = await schema.stream("subscription { items { slow } }")
    task = asyncio.ensure_future(stream.__anext__())  # type: ignore[union-attr]
    for _ in range(5):
        await asyncio.sleep(0)
    assert released == []
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(released) == 1
