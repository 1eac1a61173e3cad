"""Live entries sent from the broker's turn (schema/live/direct.py): given idle
live subscribers, when a batch commits, then known results go straight to each
wire in order, unseen entries are skipped, and every other entry wakes the
subscriber's task; the first subscriber to find a result missing computes it,
the others park until it is known, and nothing parks for good."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any, cast
from uuid import uuid4

from graphql import OperationDefinitionNode, parse

import schema.live.parking as parking
from infra.live import CatchUpPage, LiveEntry, LiveFeed, LiveLimits
from projections.queries.ledger import Access, LedgerFilter
from schema.live.direct import DirectDelivery
from schema.live.follower import Follower
from schema.live.frames import FrameSender
from schema.live.parking import PARKED
from schema.live.shared import SHARED_RESULTS, SharedResult, result_key, shared_entry
from schema.live.viewer import Viewer
from schema.live.wire import Wire
from tests.live.entries import STREAM, entry, live


def _operation(source: str) -> OperationDefinitionNode:
    operation = parse(source).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation


OP = _operation("subscription { ledger { position } }")
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
    # FakeWire stands in for the socket: the sender only calls its write_text.
    sender.operation, sender.key, sender.websocket = OP, KEY, None
    sender.wire = cast(Wire | None, wire)
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


def _parked(s: Subscriber) -> bool:
    return s.follower.feed is not None and s.follower.feed.parked


def _computed(le: LiveEntry) -> None:
    """What SharedEventExecution does once an entry's result is computed."""
    obj = shared_entry(le)
    data = {"ledger": {"position": le.entry.position}}
    getattr(obj, SHARED_RESULTS)[KEY] = SharedResult(OP, data)
    parking.release(obj, KEY)


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


async def test_the_first_to_find_a_result_missing_computes_it_and_the_others_park() -> None:
    broker = Broker()
    first, second, third = [await _subscriber(broker) for _ in range(3)]
    batch = [live(1), live(2)]
    broker.commit(batch)
    assert first.direct.claim is shared_entry(batch[0])  # only the first: see below
    assert await first.woken_with() == [1, 2]
    for s in (second, third):
        assert _parked(s) and s.wire.written == [] and await s.asleep()
    _computed(batch[0])  # the first subscriber's task computed entry 1...
    # ...so the others send it; entry 2 comes after the first's own send of 1,
    # which may wait on a slow reader: the next to find it missing computes it.
    assert second.wire.written == third.wire.written == [1]
    assert second.direct.claim is shared_entry(batch[1])
    assert await second.woken_with() == [2]
    assert _parked(third) and await third.asleep()
    _computed(batch[1])
    assert third.wire.written == [1, 2] and third.follower.sent == 2 and await third.asleep()
    await first.idle()  # their tasks wait for the next batch: claims settled
    await second.idle()
    assert all(not getattr(shared_entry(le), PARKED) for le in batch)


async def test_a_result_that_will_not_be_shared_wakes_every_parked_task() -> None:
    broker = Broker()
    first, *others = [await _subscriber(broker) for _ in range(3)]
    batch = [live(1)]
    broker.commit(batch)
    parking.release(shared_entry(batch[0]), KEY, shared=False)  # e.g. it had errors
    for s in others:  # each computes its own, none waits for another
        assert s.direct.claim is None and await s.woken_with() == [1]
    assert first.direct.claim is not None and await first.woken_with() == [1]
    await first.idle()  # the claimer settles: the entry stays not shared
    assert getattr(shared_entry(batch[0]), PARKED)[KEY] is parking.NOT_SHARED
    late = await _subscriber(broker)
    late.follower.feed.offer(batch)  # type: ignore[union-attr]
    assert late.direct.claim is None and await late.woken_with() == [1]


async def test_parked_subscribers_cost_linear_work_on_a_large_batch() -> None:
    broker = Broker()
    calls = [0]

    class Counting(Viewer):
        def sees(self, *args: Any) -> bool:
            calls[0] += 1
            return super().sees(*args)

        def may_have_joined(self, *args: Any) -> bool:
            calls[0] += 1
            return super().may_have_joined(*args)

    class Batch(list[LiveEntry]):
        def __getitem__(self, i: Any) -> Any:
            calls[0] += 1
            return super().__getitem__(i)

    subscribers = [await _subscriber(broker, Counting(EVERYTHING, LedgerFilter()))
                   for _ in range(20)]
    batch = Batch(live(p) for p in range(1, 201))
    broker.commit(batch)
    for le in batch:
        _computed(le)
    for s in subscribers:  # each has every entry, written directly or left to its task
        rest = [] if await s.asleep() else await s.woken_with()
        assert s.wire.written + rest == list(range(1, 201))
    # About one pass over the batch per subscriber, and one look ahead per claim
    # (it was a look ahead per subscriber, and a copy of the rest per release).
    assert calls[0] <= 5 * 20 * 200 + 200 * 200


async def test_a_computing_subscriber_that_goes_away_releases_the_parked() -> None:
    broker = Broker()
    first, second, third = [await _subscriber(broker) for _ in range(3)]
    broker.commit([live(1)])
    feed = first.follower.feed
    first.follower.close()  # its subscription ended before computing
    assert first.follower.taker is None and feed is not None
    assert feed.taker is None  # no cycle left through the feed
    assert await second.woken_with() == [1]  # the second computes it now...
    assert _parked(third) and await third.asleep()
    await second.idle()  # ...and, the batch handed on, waits for the next: settled
    assert await third.woken_with() == [1]


async def test_unseen_entries_are_skipped_and_a_possible_membership_wakes_the_task() -> None:
    broker = Broker()
    ours = uuid4()
    viewer = Viewer(Access(party_of=frozenset({ours})), LedgerFilter(), "carol",
                    refresh=lambda _: asyncio.sleep(0, frozenset()))
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
                    refresh=lambda _: asyncio.sleep(0, frozenset()))
    waits = await _subscriber(broker, member)
    other = await _subscriber(broker)
    joins = LiveEntry(entry(2, uuid4(), type="MemberAdded", data={"user_id": "dave"}),
                      frozenset())
    batch = [live(1), joins]
    broker.commit(batch)
    assert waits.direct.claim is None
    assert await waits.woken_with() == [1]  # 2: not a member after all, once re-read
    # The next subscriber claims entry 1, not parked on the one that may wait.
    assert other.direct.claim is shared_entry(batch[0])
    assert await other.woken_with() == [1, 2]


async def test_direct_delivery_needs_the_wire_and_can_be_turned_off() -> None:
    on, off = Broker(), Broker(LiveLimits(direct=0))
    viewer = Viewer(EVERYTHING, LedgerFilter())
    assert DirectDelivery.attach(Follower(on, viewer, 0), None) is None  # type: ignore[arg-type]
    assert DirectDelivery.attach(Follower(on, viewer, 0), _sender(None)) is None  # type: ignore[arg-type]
    assert DirectDelivery.attach(Follower(off, viewer, 0), _sender(FakeWire())) is None  # type: ignore[arg-type]
    follower = Follower(on, viewer, 0)  # type: ignore[arg-type]
    assert DirectDelivery.attach(follower, _sender(FakeWire())) is follower.taker
