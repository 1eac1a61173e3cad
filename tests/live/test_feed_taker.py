"""A feed with a taker (schema/live/direct.py): given an idle subscriber (its
task waiting on the feed, nothing queued), when a batch is offered, then the
taker sends what it can from the front and the task wakes only for the rest;
a feed parked on a result resumes through the taker when released."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from infra.live import FellBehindError, LiveEntry, LiveFeed
from tests.live.entries import live


class Taker:
    """Takes `take` entries of each batch from where it is asked to start (all:
    None); parks if `park`. Records the positions it was offered."""

    def __init__(self, take: int | None = None, park: bool = False) -> None:
        self.take, self.park = take, park
        self.seen: list[list[int]] = []

    def __call__(self, batch: Sequence[LiveEntry], start: int) -> tuple[int, bool]:
        self.seen.append([le.entry.position for le in batch[start:]])
        stop = len(batch) if self.take is None else min(start + self.take, len(batch))
        return stop, self.park and stop < len(batch)


async def _waiting(feed: LiveFeed) -> asyncio.Task[Sequence[LiveEntry]]:
    """The subscriber's task, idle on the feed."""
    task = asyncio.ensure_future(feed.next_batch())
    await asyncio.sleep(0)
    return task


async def _asleep(task: asyncio.Task[Sequence[LiveEntry]]) -> bool:
    for _ in range(3):
        await asyncio.sleep(0)
    return not task.done()


def _positions(batch: Sequence[LiveEntry]) -> list[int]:
    return [le.entry.position for le in batch]


def _feed(taker: Taker, limit: int = 10) -> LiveFeed:
    feed = LiveFeed(limit)
    feed.taker = taker
    return feed


async def test_an_idle_subscriber_whose_taker_takes_everything_sleeps_on() -> None:
    taker = Taker()
    feed = _feed(taker)
    task = await _waiting(feed)
    assert feed.offer([live(1), live(2)])
    assert taker.seen == [[1, 2]] and await _asleep(task)
    taker.take = 0
    assert feed.offer([live(3)])
    assert _positions(await task) == [3]


async def test_the_task_wakes_for_what_the_taker_leaves_in_order() -> None:
    taker = Taker(take=1)
    feed = _feed(taker)
    task = await _waiting(feed)
    feed.offer([live(1), live(2), live(3)])
    assert _positions(await task) == [2, 3]


async def test_a_busy_subscriber_is_not_taken_from() -> None:
    taker = Taker()
    feed = _feed(taker)
    feed.offer([live(1)])  # no task waiting: it is busy elsewhere
    feed.offer([live(2)])
    assert taker.seen == []
    assert _positions(await feed.next_batch()) == [1]
    assert _positions(await feed.next_batch()) == [2]


async def test_a_parked_feed_queues_without_waking_then_the_taker_resumes_it() -> None:
    taker = Taker(take=0, park=True)
    feed = _feed(taker, limit=3)
    task = await _waiting(feed)
    feed.offer([live(1), live(2)])
    assert feed.parked and await _asleep(task)
    taker.take, taker.park = None, False
    feed.resume()
    assert taker.seen == [[1, 2], [1, 2]] and not feed.parked and await _asleep(task)
    taker.take = 0
    assert feed.offer([live(3), live(4), live(5)])  # nothing left pending: within the limit
    assert _positions(await task) == [3, 4, 5]


async def test_a_parked_feed_whose_task_is_gone_is_not_taken_from() -> None:
    taker = Taker(take=0, park=True)
    feed = _feed(taker)
    task = await _waiting(feed)
    feed.offer([live(1)])
    task.cancel()  # the connection closed while it was parked
    with pytest.raises(asyncio.CancelledError):
        await task
    feed.resume()
    assert taker.seen == [[1]]


async def test_a_resumed_feed_wakes_its_task_for_what_is_still_not_taken() -> None:
    taker = Taker(take=0, park=True)
    feed = _feed(taker)
    task = await _waiting(feed)
    feed.offer([live(1), live(2), live(3)])
    taker.take, taker.park = 1, False
    feed.resume()
    assert _positions(await task) == [2, 3]


async def test_entries_taken_from_a_queued_batch_no_longer_count_against_the_limit() -> None:
    taker = Taker(take=1, park=True)
    feed = _feed(taker, limit=3)
    task = await _waiting(feed)
    feed.offer([live(1), live(2), live(3)])  # 1 taken: 2 pending
    assert feed.parked and feed.offer([live(4)])  # 3 pending: within the limit
    assert _positions(await task) == [2, 3]
    assert _positions(await feed.next_batch()) == [4]


async def test_a_resumed_feed_may_park_again_further_on() -> None:
    taker = Taker(take=0, park=True)
    feed = _feed(taker)
    task = await _waiting(feed)
    feed.offer([live(1), live(2), live(3)])
    taker.take = 1
    feed.resume()
    assert feed.parked and taker.seen[-1] == [1, 2, 3] and await _asleep(task)
    taker.take, taker.park = None, False
    feed.resume()
    assert taker.seen[-1] == [2, 3] and await _asleep(task)


async def test_a_later_batch_wakes_a_parked_feed_and_nothing_is_taken_out_of_order() -> None:
    taker = Taker(take=0, park=True)
    feed = _feed(taker)
    task = await _waiting(feed)
    feed.offer([live(1)])
    feed.offer([live(2)])  # something is queued: the task, not the taker
    assert not feed.parked and taker.seen == [[1]]
    feed.resume()  # released after the task was woken: nothing to do
    assert taker.seen == [[1]]
    assert _positions(await task) == [1]
    assert _positions(await feed.next_batch()) == [2]


async def test_the_brokers_net_wakes_a_feed_still_parked_on_that_batch_only() -> None:
    feed = _feed(Taker(take=0, park=True))
    task = await _waiting(feed)
    feed.offer([live(5)])
    feed.unpark(4)  # an earlier batch's net: this feed parked on a later one
    assert feed.parked and await _asleep(task)
    feed.unpark(5)
    assert not feed.parked and _positions(await task) == [5]


async def test_a_parked_feed_past_its_limit_is_told_it_fell_behind() -> None:
    feed = _feed(Taker(take=0, park=True), limit=2)
    task = await _waiting(feed)
    feed.offer([live(1), live(2)])
    assert not feed.offer([live(3)])
    with pytest.raises(FellBehindError):
        await task


class Broken(Taker):
    """Parks on its first batch, then fails."""

    def __call__(self, batch: Sequence[LiveEntry], start: int) -> tuple[int, bool]:
        if self.seen:
            raise RuntimeError("a bug in direct delivery")
        return super().__call__(batch, start)


async def test_a_failing_taker_leaves_the_batch_to_the_task(
    caplog: pytest.LogCaptureFixture,
) -> None:
    feed = _feed(Broken(take=0, park=True))
    task = await _waiting(feed)
    feed.offer([live(1)])
    feed.resume()  # when released: the taker fails, the task is woken
    assert _positions(await task) == [1]
    task = await _waiting(feed)
    assert feed.offer([live(2)])  # in the broker's loop: the same, and the loop goes on
    assert _positions(await task) == [2]
    assert caplog.text.count("direct delivery failed") == 2
