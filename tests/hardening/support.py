"""Appending real domain events fast, in few transactions: enough ledger
entries for the tests of pagination caps, readiness lag and rebuilds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID

from domain.actors import Actor, CommandContext, Role
from domain.organisations.aggregates import Startup
from infra.eventstore import WriteSide, open_write_side


class LabelWriter:
    """Grants and revokes a label on startups, many events per transaction."""

    def __init__(self, database_url: str) -> None:
        self.write: WriteSide = open_write_side(database_url, pool_size=2)
        actor = Actor("op", Role.OPERATOR)
        self.meta = CommandContext(actor, datetime.now(UTC), "hardening-tests").meta()
        self._startups: dict[str, Startup] = {}

    def append(self, startup_id: str, events: int) -> int:
        """Appends `events` label changes in one transaction; returns the last position."""
        startup = self._startups.get(startup_id) or self.write.ledger.load(
            Startup, UUID(startup_id))
        for _ in range(events):
            if "DEEPTECH" in startup.labels:
                startup.revoke_label("DEEPTECH", self.meta)
            else:
                startup.grant_label("DEEPTECH", self.meta)
        recordings = self.write.ledger.save(startup)
        self._startups[startup_id] = startup
        return int(recordings[-1].notification.id)

    async def append_async(self, startup_id: str, events: int) -> int:
        return await asyncio.to_thread(self.append, startup_id, events)

    def close(self) -> None:
        self.write.close()
