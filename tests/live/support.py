"""What the live tests drive: real `server.py serve` processes, a
graphql-transport-ws client, a GraphQL-over-HTTP client, and a bulk writer that
appends real domain events in few transactions (fast enough to flood a socket)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import websockets

from domain.actors import Actor, CommandContext, Role
from domain.organisations.aggregates import Startup
from infra.auth import issue_token
from infra.eventstore import WriteSide, open_write_side
from infra.settings import Settings
from tests.conftest import TEST_JWT_SECRET
from tests.organisations.builders import siren

REPO = Path(__file__).resolve().parents[2]
TOKENS = Settings(jwt_secret=TEST_JWT_SECRET)
PROTOCOL = websockets.Subprotocol("graphql-transport-ws")


def token(sub: str, role: str, orgs: tuple[str, ...] = ()) -> str:
    return issue_token(TOKENS, sub=sub, role=role, orgs=orgs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One `server.py serve` process on its own port."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, PostgreSQL sees the connections drop."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def launch(database_url: str, **env: str) -> Server:
    """Starts a server (returns at once: `wait_ready` before use)."""
    port = free_port()
    base = {k: v for k, v in os.environ.items()
            if not k.upper().startswith("PASSERELLE_") and k.upper() != "DATABASE_URL"}
    settings = {"DATABASE_URL": database_url, "PASSERELLE_PORT": str(port),
                "PASSERELLE_DEMO": "0", "PASSERELLE_JWT_SECRET": TEST_JWT_SECRET,
                "PASSERELLE_RATE_LIMIT_PER_TOKEN": "0", "PASSERELLE_RATE_LIMIT_PER_IP": "0",
                "PASSERELLE_ACCESS_LOG": "false", "PASSERELLE_LOG_LEVEL": "WARNING"}
    log = Path(tempfile.mkstemp(prefix=f"passerelle-live-{port}-", suffix=".log")[1])
    process = subprocess.Popen(
        [sys.executable, "server.py", "serve"], cwd=REPO, env={**base, **settings, **env},
        stdout=log.open("wb"), stderr=subprocess.STDOUT)
    return Server(port, process, log)


@contextlib.contextmanager
def servers(database_url: str, count: int = 1, **env: str) -> Iterator[list[Server]]:
    started = [launch(database_url, **env) for _ in range(count)]
    try:
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()
            server.log.unlink(missing_ok=True)


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


class Closed(Exception):
    """The server closed the WebSocket: `code` and `reason`."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason


class LiveClient:
    """A graphql-transport-ws client (what Apollo and graphql-ws clients speak)."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws

    async def message(self, timeout: float = 10.0) -> dict[str, Any]:
        try:
            raw = await asyncio.wait_for(self.ws.recv(), timeout)
        except websockets.ConnectionClosed as closed:
            rcvd = closed.rcvd
            raise Closed(rcvd.code if rcvd else None, rcvd.reason if rcvd else "") from None
        message: dict[str, Any] = json.loads(raw)
        return message

    async def init(self, bearer: str | None) -> dict[str, Any]:
        payload = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        await self.ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        return await self.message()

    async def subscribe(self, after: int | None = None, filter: dict[str, Any] | None = None,
                        fields: str = "position", op: str = "1") -> None:
        query = ("subscription($after: Int, $filter: LedgerFilter) {"
                 f" ledger(after: $after, filter: $filter) {{ {fields} }} }}")
        await self.ws.send(json.dumps({"id": op, "type": "subscribe", "payload": {
            "query": query, "variables": {"after": after, "filter": filter}}}))

    async def entries_until(self, position: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Ledger entries received until one at `position` or beyond."""
        entries: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while not entries or entries[-1]["position"] < position:
            message = await self.message(max(0.01, deadline - time.monotonic()))
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message
            entries.append(message["payload"]["data"]["ledger"])
        return entries

    async def nothing_within(self, seconds: float) -> bool:
        try:
            await self.message(seconds)
        except TimeoutError:
            return True
        return False


@contextlib.asynccontextmanager
async def live_client(ws_url: str, bearer: str | None = None, *, header: str | None = None,
                      init: bool = True, **options: Any) -> AsyncIterator[LiveClient]:
    """Connected (and acknowledged, when `init`) with the token in the
    `connection_init` payload, or in the upgrade request's header (`header`)."""
    headers = {"Authorization": f"Bearer {header}"} if header else None
    async with websockets.connect(ws_url, subprotocols=[PROTOCOL],
                                  additional_headers=headers, **options) as ws:
        client = LiveClient(ws)
        if init:
            ack = await client.init(bearer)
            assert ack["type"] == "connection_ack", ack
        yield client


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
