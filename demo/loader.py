"""Loads every demo slice into an empty ledger."""

from __future__ import annotations

import logging
from typing import Any

from demo import organisations

log = logging.getLogger("passerelle.demo")


def load_demo(commands: dict[str, Any]) -> int:
    """Records the demo; returns how many organisations it created."""
    orgs = organisations.load(commands["organisations"])
    count = len(orgs.startups) + len(orgs.corporates)
    log.info("demo data loaded: %s organisations", count)
    return count
