"""The live slice (issue 6): Subscription.ledger. Its broker (infra/live.py) is
part of the runtime: one LISTEN connection per instance, started on first use."""

from __future__ import annotations

from schema.live.subscription import LiveSubscription
from wiring import Slice

SLICE = Slice(name="live", subscription_roots=(LiveSubscription,))
