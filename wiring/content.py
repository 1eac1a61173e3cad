"""The content slice (being built: see the issue)."""

from __future__ import annotations

from wiring import Slice

SLICE = Slice(name="content")
