"""Keeps the cyclic garbage collector off the live fan-out's back.

An instance with 1,000 subscribers holds a few hundred thousand long-lived
objects (connections, handlers, subscriptions). CPython's full collection
walks every one of them: measured 180 ms with the event loop stopped, so every
delivery in flight waits that long (the p99 of bench/b_live.py was that pause).
It runs whenever objects surviving younger collections pass a quarter of the
long-lived ones, which is exactly what opening many subscriptions causes.

So when the subscriber count reaches a new high (1.25 times the last one),
the collector runs once, then `gc.freeze()` moves everything alive into the
permanent generation, which later collections skip: they then walk only what
is newer. The price: cyclic garbage among frozen objects (a frozen connection
that closes and whose objects form cycles) waits until the count falls below
half of the frozen mark, when `gc.unfreeze()` hands it all back to the
collector. Objects freed by reference counting (most) are freed at once,
frozen or not. PASSERELLE_LIVE_GC_FREEZE=0 turns this off."""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger("passerelle.live")


class HeapFreezer:
    """Collects and freezes on new subscriber highs; unfreezes on a large drop."""

    def __init__(self, enabled: bool = True, first: int = 32, growth: float = 1.25) -> None:
        self.enabled = enabled
        self.first = first  # below this many subscribers a full collection is cheap enough
        self.growth = growth
        self.frozen_at = 0  # subscriber count at the last freeze (0: nothing frozen by us)
        self.freezes = 0

    def subscribers(self, count: int) -> None:
        """Called whenever the number of subscribers changes."""
        if not self.enabled:
            return
        if count >= max(self.first, self.frozen_at * self.growth):
            self._freeze(count)
        elif self.frozen_at and count < self.frozen_at / 2:
            gc.unfreeze()  # their garbage is the collector's again
            self.frozen_at = 0

    def _freeze(self, count: int) -> None:
        started = time.perf_counter()
        gc.collect()  # garbage must not be frozen: it would never be collected
        gc.freeze()
        self.frozen_at = count
        self.freezes += 1
        # (not gc.get_freeze_count(): it walks the whole frozen list)
        log.debug("heap frozen at %d subscribers in %.1f ms", count,
                  1000 * (time.perf_counter() - started))
