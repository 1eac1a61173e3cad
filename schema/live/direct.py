"""Live entries sent from the broker's turn, without waking the subscriber's task.

With 1,000 subscribers, each commit woke 1,000 tasks: a future resolved, a task
step, the follower's and the subscription's coroutines resumed, only for most of
them to write a message already computed (schema/live/frames.py) and go back to
sleep. `DirectDelivery` is the subscriber's `LiveFeed.taker`: while its task is
idle (waiting on the feed, nothing queued) the broker hands it the batch, and
it sends, in order, each entry whose message is known through the wire
(schema/live/wire.py), skipping what the viewer may not see, exactly as the
task would. It stops, and leaves the rest to the task, at the first entry it
cannot send that way: a membership that needs the projections (`Viewer.
may_have_joined`), a wire that is not ready, or a result not computed yet.

A result not computed yet: the first subscriber to find it missing claims it
and computes it through the normal path (its task is woken, and the broker
lets it run a step before offering the batch to anyone else: often enough to
have the result, which the others then just send); otherwise the others *park*
(their feed keeps the batch, their task sleeps) until the execution ends
(`shared.release`, in the computing task's turn), then send it and go on, or,
if it will not be shared (errors), wake their tasks to compute their own.
Should the claiming task end first, it releases them on its way out; should
nothing release them, the broker wakes their tasks after a second
(`infra/live.py`, PARKED_SECONDS). Order holds: a feed is only ever taken from
while its task is idle, and a batch offered while anything is queued wakes
the task (docs/live.md, "From the broker's turn")."""

from __future__ import annotations

from collections.abc import Sequence

from infra.live import LiveEntry
from schema.live.follower import Follower
from schema.live.frames import SENT_DIRECT, FrameSender
from schema.live.parking import claim, park, release
from schema.live.shared import shared_entry
from schema.live.wire import Wire


class DirectDelivery:
    """One subscription's taker (see the module's docstring)."""

    __slots__ = ("claim", "follower", "sender", "wire")

    def __init__(self, follower: Follower, sender: FrameSender, wire: Wire) -> None:
        self.follower = follower
        self.sender = sender
        self.wire = wire
        self.claim: object | None = None  # an entry this subscriber's task is to compute

    @classmethod
    def attach(cls, follower: Follower, sender: FrameSender | None) -> DirectDelivery | None:
        """Makes the follower's feeds take entries directly, where the wire allows."""
        if sender is None or sender.wire is None or not follower.broker.limits.direct:
            return None
        direct = cls(follower, sender, sender.wire)
        follower.taker = direct
        return direct

    def __call__(self, batch: Sequence[LiveEntry], start: int) -> tuple[int, bool]:
        """Where in the batch it stopped (len(batch): everything sent or skipped
        as unseen), and whether the feed parks for a result being computed."""
        f = self.follower
        viewer = f.viewer
        for i in range(start, len(batch)):
            live = batch[i]
            e = live.entry
            if e.position <= f.sent:
                continue
            if viewer.sees(e, live.parties):
                obj = shared_entry(live)
                text = self.sender.message(obj)
                if text is None:
                    return i, self._park_or_claim(obj, i, batch)
                if not self.wire.write_text(text):
                    return i, False
                SENT_DIRECT.inc()
                f.sent = e.position
            elif viewer.may_have_joined(e):
                return i, False
        return len(batch), False

    def _park_or_claim(self, obj: object, at: int, batch: Sequence[LiveEntry]) -> bool:
        """Parks on the subscriber computing this result; else claims computing it
        (its task is woken), so that the others park on it. Only this one: the
        task computes it first thing, while later ones would come after its own
        send of this one, which may wait on a slow reader."""
        f, key = self.follower, self.sender.key
        if park(obj, key, f.feed):
            return True
        viewer = f.viewer
        if any(viewer.may_have_joined(batch[j].entry) for j in range(at + 1, len(batch))):
            # This task waits on the projections before computing anything (it
            # judges its whole batch first): no one must wait for it.
            return False
        if claim(obj, key):
            self.claim = obj
        return False

    def settle(self) -> None:
        """Releases whoever parked on the entry this subscriber was to compute (it
        did, or it is going away): the follower calls it before each batch it
        waits for, and on exit (`close`)."""
        claimed, self.claim = self.claim, None
        if claimed is not None:
            release(claimed, self.sender.key)

    def close(self) -> None:
        """The subscription ends: release its claim, and let go of its feed."""
        self.settle()
        f = self.follower
        f.taker = None
        if f.feed is not None:
            f.feed.taker = None
