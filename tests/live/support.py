"""What the live tests drive besides servers and sockets: tokens, GraphQL over
HTTP, and a bulk writer that appends real domain events in few transactions
(fast enough to flood a socket). Re-exports the server and client helpers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx

from domain.actors import Actor, CommandContext, Role
from domain.organisations.aggregates import Startup
from infra.auth import issue_token
from infra.eventstore import WriteSide, open_write_side
from infra.settings import Settings
from tests.conftest import TEST_JWT_SECRET
from tests.live.client import Closed, LiveClient, live_client
from tests.organisations.builders import siren
from tests.support.servers import Server, launch, servers

__all__ = ["Closed", "LiveClient", "Server", "launch", "live_client", "servers"]
TOKENS = Settings(jwt_secret=TEST_JWT_SECRET)


def token(sub: str, role: str, orgs: tuple[str, ...] = ()) -> str:
    return issue_token(TOKENS, sub=sub, role=role, orgs=orgs)


async def gql(url: str, query: str, variables: dict[str, Any] | None = None,
              bearer: str | None = None) -> dict[str, Any]:
    """`data` of a GraphQL-over-HTTP response that must have no errors."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    async with httpx.AsyncClient(timeout=20) as http:
        response = await http.post(url, json={"query": query, "variables": variables or {}},
                                   headers=headers)
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body
    return dict(body["data"])


REGISTER = """mutation($i: RegisterStartupInput!) {
  registerStartup(input: $i) { startup { id } userErrors { message } } }"""


async def register_startup(url: str, user: str, n: int) -> str:
    """A startup registered over HTTP by `user` (its ADMIN); returns its id."""
    data = await gql(url, REGISTER, {"i": {
        "name": f"Startup {n}", "siren": siren(n), "description": "Live tests",
        "contactName": f"Founder {n}", "contactEmail": f"f{n}@example.fr"}},
        token(user, "startup"))
    assert data["registerStartup"]["userErrors"] == [], data
    return str(data["registerStartup"]["startup"]["id"])


async def head(url: str) -> int:
    """The ledger's last position (positions are gapless; the auditor sees all)."""
    data = await gql(url, "{ ledger(first: 1) { totalCount } }", bearer=token("aud", "auditor"))
    return int(data["ledger"]["totalCount"])


class BulkWriter:
    """Appends events to startups, many per transaction (one `ledger_append`):
    label changes, or profile updates padded to `padding` bytes to fill sockets."""

    def __init__(self, database_url: str) -> None:
        self.write: WriteSide = open_write_side(database_url, pool_size=2)
        actor = Actor("op", Role.OPERATOR)
        self.meta = CommandContext(actor, datetime.now(UTC), "live-tests").meta()
        self._startups: dict[str, Startup] = {}  # kept, not replayed for every batch

    def append(self, startup_id: str, events: int, padding: int = 0) -> int:
        """Appends `events` events in one transaction; returns the last position."""
        startup = self._startups.get(startup_id) or self.write.ledger.load(
            Startup, UUID(startup_id))
        for _ in range(events):
            self._change(startup, padding)
        recordings = self.write.ledger.save(startup)
        self._startups[startup_id] = startup
        return int(recordings[-1].notification.id)

    def _change(self, startup: Startup, padding: int) -> None:
        if padding:
            filler = "b" if startup.description.startswith("a") else "a"
            startup.update_profile({"description": filler * padding}, self.meta)
        elif "DEEPTECH" in startup.labels:
            startup.revoke_label("DEEPTECH", self.meta)
        else:
            startup.grant_label("DEEPTECH", self.meta)

    async def append_async(self, startup_id: str, events: int, padding: int = 0) -> int:
        return await asyncio.to_thread(self.append, startup_id, events, padding)

    def close(self) -> None:
        self.write.close()


LEDGER_PAGE = """query($after: Int, $filter: LedgerFilter) {
  ledger(after: $after, first: 100, filter: $filter) {
    nodes { position } pageInfo { hasNextPage } } }"""


async def ledger_positions(url: str, bearer: str, after: int,
                           filter: dict[str, Any] | None = None) -> list[int]:
    """What Query.ledger shows this viewer after `after`: the reference for visibility."""
    positions: list[int] = []
    while True:
        data = (await gql(url, LEDGER_PAGE, {"after": after, "filter": filter}, bearer))["ledger"]
        positions += [n["position"] for n in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            return positions
        after = positions[-1]
