"""A graphql-transport-ws client (what Apollo and graphql-ws clients speak)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import websockets

PROTOCOL = websockets.Subprotocol("graphql-transport-ws")


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


