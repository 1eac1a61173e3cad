"""Money lives in schema/common.py (one GraphQL type per name); re-exported
here for the modules of this slice that import it from here."""

from __future__ import annotations

from schema.common import Money, MoneyInput

__all__ = ["Money", "MoneyInput"]
