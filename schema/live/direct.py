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

A result not computed yet: the first subscriber to find it missing computes it
through the normal path (its task is woken); the others *park* (their feed
keeps the rest queued, their task sleeps) until it is known, and then send it
from the computing task's turn (`shared.release`, when the execution ends,
whatever its outcome). Should that subscriber's task end first, it releases
them on its way out; should nothing release them, the broker wakes their tasks
after a second (`infra/live.py`, PARKED_SECONDS). Released, they send what the
result allows, and their tasks take over anything else: order holds, since a
feed is only ever taken from while its task is idle with nothing queued."""

from __future__ import annotations

from collections.abc import Sequence

from infra.live import LiveEntry
from schema.live.follower import Follower
from schema.live.frames import SENT_DIRECT, FrameSender
from schema.live.shared import claim, park, release, shared_entry
from schema.live.wire import Wire


class DirectDelivery:
    """One subscription's taker (see the module's docstring)."""

    __slots__ = ("claims", "follower", "sender", "wire")

    def __init__(self, follower: Follower, sender: FrameSender, wire: Wire) -> None:
        self.follower = follower
        self.sender = sender
        self.wire = wire
        self.claims: list[object] = []  # entries this subscriber's task is to compute

    @classmethod
    def attach(cls, follower: Follower, sender: FrameSender | None) -> DirectDelivery | None:
        """Makes the follower's feeds take entries directly, where the wire allows."""
        if sender is None or sender.wire is None or not follower.broker.limits.direct:
            return None
        direct = cls(follower, sender, sender.wire)
        follower.taker = direct
        return direct

    def __call__(self, batch: Sequence[LiveEntry]) -> tuple[int, bool]:
        """How many entries from the front were sent (or skipped as unseen), and
        whether the feed parks for a result another subscriber computes."""
        f = self.follower
        viewer = f.viewer
        for i, live in enumerate(batch):
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
        """Parks on a subscriber computing the result, or claims computing it (and
        every later one this subscriber's task will reach in the batch: it
        computes them in order), so that the others park on it."""
        f, key = self.follower, self.sender.key
        rest = batch[at + 1:]
        if rest and any(f.viewer.may_have_joined(le.entry) for le in rest):
            # This task may wait on the projections before it computes anything:
            # others must not wait for it. It takes the normal path, unclaimed.
            return False
        if park(obj, key, f.feed):
            return True
        self.claims = [obj] if claim(obj, key) else []
        for later in rest:
            if f.viewer.sees(later.entry, later.parties):
                o = shared_entry(later)
                if not self.sender.known(o) and claim(o, key):
                    self.claims.append(o)
        return False

    def settle(self) -> None:
        """Releases whoever parked on entries this subscriber was to compute (it
        did, or it is going away): called after each batch and on exit."""
        claims, self.claims = self.claims, []
        for obj in claims:
            release(obj, self.sender.key)

