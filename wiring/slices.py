"""The slices this build serves, in dependency order."""

from __future__ import annotations

from wiring import Slice


def all_slices() -> list[Slice]:
    from wiring import organisations

    return [organisations.SLICE]
