"""Group commit, without a database: who leads, what is grouped, who gets
which outcome."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from infra.group_commit import GroupCommit


class Recorder:
    """A `run` that records its batches; the first batch waits for `release`."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.first_started = threading.Event()
        self.release = threading.Event()

    def __call__(self, items: Sequence[int]) -> list[int | BaseException]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.first_started.set()
            assert self.release.wait(10)
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]


def _wait_queued(group: GroupCommit[int, int], count: int) -> None:
    for _ in range(1000):
        if len(group._queue) == count:
            return
        threading.Event().wait(0.005)
    raise AssertionError(f"{count} never queued")


def _queued_behind_a_running_batch(
    pool: ThreadPoolExecutor, group: GroupCommit[int, int], run: Recorder, first: int,
    later: list[int],
) -> tuple[Future[int], list[Future[int]]]:
    """`first` submitted and its batch running (held by `run.release`), then
    `later` submitted and all of them queued for the next batch."""
    leading = pool.submit(group.submit, first)
    assert run.first_started.wait(5)
    queued = [pool.submit(group.submit, value) for value in later]
    _wait_queued(group, len(later))
    return leading, queued


def test_a_lone_command_goes_at_once_in_a_batch_of_its_own() -> None:
    run = Recorder()
    run.release.set()
    group = GroupCommit(run)
    assert group.submit(4) == 40
    assert group.submit(6) == 60
    assert run.batches == [[4], [6]]


def test_commands_arriving_during_a_batch_go_together_in_the_next() -> None:
    run = Recorder()
    group = GroupCommit(run)
    with ThreadPoolExecutor(8) as pool:
        first, later = _queued_behind_a_running_batch(pool, group, run, 2, [4, 6, 8, 10])
        run.release.set()
        assert first.result(5) == 20
        assert [f.result(5) for f in later] == [40, 60, 80, 100]
    assert run.batches[0] == [2]
    assert sorted(run.batches[1]) == [4, 6, 8, 10]
    assert len(run.batches) == 2


def test_each_caller_gets_its_own_outcome_errors_included() -> None:
    run = Recorder()
    group = GroupCommit(run)
    with ThreadPoolExecutor(8) as pool:
        first, (odd, even) = _queued_behind_a_running_batch(pool, group, run, 2, [3, 4])
        run.release.set()
        assert first.result(5) == 20
        assert even.result(5) == 40
        with pytest.raises(ValueError, match="odd 3"):
            odd.result(5)


def test_a_batch_that_fails_as_a_whole_fails_every_caller_in_it_and_the_next_goes_on() -> None:
    calls: list[list[int]] = []

    def run(items: Sequence[int]) -> list[int | BaseException]:
        calls.append(list(items))
        if len(calls) == 1:
            raise ConnectionError("the database went away")
        return [i for i in items]

    group = GroupCommit(run)
    with pytest.raises(ConnectionError):
        group.submit(1)
    assert group.submit(2) == 2  # the lead was given back


def test_batches_hold_at_most_max_batch_commands() -> None:
    run = Recorder()
    group = GroupCommit(run, max_batch=3)
    with ThreadPoolExecutor(12) as pool:
        first = pool.submit(group.submit, 2)
        assert run.first_started.wait(5)
        later = [pool.submit(group.submit, 2 * i) for i in range(2, 9)]
        _wait_queued(group, 7)
        run.release.set()
        first.result(5)
        assert sorted(f.result(5) for f in later) == [20 * i for i in range(2, 9)]
    assert [len(b) for b in run.batches] == [1, 3, 3, 1]


def test_many_threads_all_get_their_results() -> None:
    group: GroupCommit[int, int] = GroupCommit(lambda items: [i + 1 for i in items])
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(group.submit, range(2000)))
    assert results == [i + 1 for i in range(2000)]
    assert not group._busy and not group._queue
