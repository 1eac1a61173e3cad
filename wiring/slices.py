"""The slices this build serves, in dependency order (demo data follows it)."""

from __future__ import annotations

from wiring import Slice


def all_slices() -> list[Slice]:
    from wiring import audit, calls, content, deals, live, organisations

    return [organisations.SLICE, calls.SLICE, deals.SLICE, content.SLICE, audit.SLICE, live.SLICE]
