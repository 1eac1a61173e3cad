"""A subscriber that stops reading is cut off with a clear close reason once
its buffer overflows, and resumes from its last position; one that keeps
reading on the same server is not slowed down, and neither are the writers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

from tests.live.support import (
    BulkWriter,
    Closed,
    LiveClient,
    head,
    live_client,
    register_startup,
    servers,
    token,
)

AUDITOR = token("slow-aud", "auditor")
FIELDS = "position payload"
# 12 MB in all: more than the kernel's socket buffers on loopback (4 MB a side here).
EVENTS, PER_TRANSACTION, PADDING = 1500, 30, 8000


def _tiny_receive_buffer(port: int) -> socket.socket:
    """A client socket whose kernel buffer fills after a few messages."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    return sock


async def _read_until_closed(client: LiveClient) -> tuple[list[int], Closed]:
    positions: list[int] = []
    while True:
        try:
            message = await client.message()
        except Closed as closed:
            return positions, closed
        positions.append(message["payload"]["data"]["ledger"]["position"])


async def _keep_reading(client: LiveClient, into: list[int]) -> None:
    while True:
        message = await client.message(timeout=30)
        into.append(message["payload"]["data"]["ledger"]["position"])


async def _write(writer: BulkWriter, startup: str) -> int:
    last = 0
    for _ in range(EVENTS // PER_TRANSACTION):
        last = await writer.append_async(startup, PER_TRANSACTION, PADDING)
        await asyncio.sleep(0.005)
    return last


async def test_a_stalled_subscriber_is_cut_off_then_resumes_while_a_reader_keeps_up(
    database_url: str,
) -> None:
    writer = BulkWriter(database_url)
    with servers(database_url, PASSERELLE_LIVE_BUFFER_ENTRIES="200",
                 PASSERELLE_LIVE_BATCH_SIZE="30") as [server]:
        startup = await register_startup(server.url, "slow-founder", 131)
        start = await head(server.url)
        options: dict[str, Any] = {"max_queue": 1, "compression": None,
                                   "sock": _tiny_receive_buffer(server.port)}
        async with live_client(server.ws_url, AUDITOR, **options) as slow, \
                live_client(server.ws_url, AUDITOR) as fast:
            await slow.subscribe(after=start, fields=FIELDS)
            await fast.subscribe(after=start, fields=FIELDS)
            kept: list[int] = []
            reader = asyncio.create_task(_keep_reading(fast, kept))
            last = await asyncio.wait_for(_write(writer, startup), timeout=15)
            received, closed = await asyncio.wait_for(_read_until_closed(slow), timeout=15)
            while not kept or kept[-1] < last:
                await asyncio.sleep(0.05)
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        async with live_client(server.ws_url, AUDITOR) as again:
            await again.subscribe(after=received[-1])
            rest = [e["position"] for e in await again.entries_until(last)]
    writer.close()
    assert closed.code == 1013 and closed.reason.startswith("Too slow: over 200 entries unsent")
    assert received + rest == list(range(start + 1, last + 1)) == kept
