"""schema/live/wire.py against uvicorn's real websockets-sansio protocol (only
the socket under it is replaced, by a transport that keeps what is written):
the frame is the one websockets builds, order is kept with the ASGI path, and
the wire refuses whenever uvicorn's own `send` would wait, raise or frame
differently."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.frames import Frame, Opcode
from websockets.protocol import CLIENT, State

from schema.live.wire import SERVER_SEND, Wire, WireMiddleware, text_frame

HANDSHAKE = (b"GET /graphql HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\n"
             b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             b"Sec-WebSocket-Version: 13\r\n")


class Socket(asyncio.Transport):
    """Keeps the bytes written, as the kernel would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closing = False

    def write(self, data: Any) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 40000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default)

    def frames(self) -> list[tuple[int, bytes]]:
        """(first byte, payload) of each server frame after the handshake."""
        data = bytes(self.written).split(b"\r\n\r\n", 1)[1]
        found = []
        while data:
            size, start = data[1] & 0x7F, 2
            if size == 126:
                size, start = int.from_bytes(data[2:4], "big"), 4
            elif size == 127:
                size, start = int.from_bytes(data[2:10], "big"), 10
            found.append((data[0], data[start:start + size]))
            data = data[start + size:]
        return found


@dataclass
class Connection:
    protocol: WebSocketsSansIOProtocol
    socket: Socket
    scope: dict[str, Any] = field(default_factory=dict)
    send: Any = None
    accept: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def wire(self) -> Wire:
        wire = Wire.of(self.scope)
        assert wire is not None
        return wire


@contextlib.asynccontextmanager
async def _connect(deflate: bool = False, offer: bytes = b"",
                   accept: bool = True) -> AsyncIterator[Connection]:
    conn: Connection

    async def app(scope: Any, receive: Any, send: Any) -> None:
        conn.scope, conn.send = scope, send
        await receive()  # websocket.connect
        await conn.accept.wait()
        await send({"type": "websocket.accept"})
        await conn.done.wait()

    # asgi3 said, not guessed: the middleware's __call__ is not `async def`.
    config = uvicorn.Config(WireMiddleware(app), ws="websockets-sansio", interface="asgi3",
                            ws_per_message_deflate=deflate, log_level="warning")
    config.load()
    protocol = WebSocketsSansIOProtocol(config, ServerState(), {})
    conn = Connection(protocol, Socket())
    protocol.connection_made(conn.socket)
    protocol.data_received(HANDSHAKE + offer + b"\r\n")
    if accept:
        conn.accept.set()
    for _ in range(20):
        await asyncio.sleep(0)
    try:
        yield conn
    finally:
        conn.accept.set()
        conn.done.set()
        if protocol in protocol.connections:  # not lost already
            protocol.connection_lost(None)
        for _ in range(20):
            await asyncio.sleep(0)


@pytest.fixture
async def connection() -> AsyncIterator[Connection]:
    async with _connect() as conn:
        yield conn


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65_535, 65_536, 70_000])
def test_the_frame_is_the_one_websockets_builds(size: int) -> None:
    payload = ("é" * size).encode()[:size]
    assert text_frame(payload) == Frame(Opcode.TEXT, payload).serialize(mask=False, extensions=[])


async def test_the_server_send_is_found_under_uvicorn_only(connection: Connection) -> None:
    assert connection.scope[SERVER_SEND] == connection.protocol.send
    assert Wire.of(connection.scope) is not None
    assert Wire.of({SERVER_SEND: connection.send.__call__}) is None  # not uvicorn's own
    assert Wire.of({"type": "websocket"}) is None
    assert Wire.of(None) is None


async def test_a_protocol_without_what_the_wire_reads_gets_none(connection: Connection) -> None:
    """A uvicorn or websockets release that renames a field: the ASGI path, not a crash."""
    del connection.protocol.conn.expect_continuation_frame
    assert Wire.of(connection.scope) is None
    del connection.protocol.close_sent
    assert Wire.of(connection.scope) is None


async def test_an_event_without_its_waiters_gets_none(connection: Connection) -> None:
    del connection.protocol.writable._waiters
    assert Wire.of(connection.scope) is None


async def test_writes_keep_their_order_with_the_asgi_path(connection: Connection) -> None:
    await connection.send({"type": "websocket.send", "text": "a"})
    assert connection.wire.write_text('{"b":"é"}')
    await connection.send({"type": "websocket.send", "text": "c"})
    assert connection.socket.frames() == [(0x81, b"a"), (0x81, '{"b":"é"}'.encode()),
                                          (0x81, b"c")]


async def test_no_write_while_the_socket_is_paused(connection: Connection) -> None:
    connection.protocol.pause_writing()
    before = bytes(connection.socket.written)
    assert not connection.wire.write_text("x")
    assert bytes(connection.socket.written) == before
    connection.protocol.resume_writing()
    assert connection.wire.write_text("x")


async def test_no_write_once_closing_or_closed(connection: Connection) -> None:
    await connection.send({"type": "websocket.close", "code": 1000})
    assert not connection.wire.ready() and not connection.wire.write_text("x")
    async with _connect() as other:
        other.socket.closing = True
        assert not other.wire.write_text("x")
    async with _connect() as other:
        other.protocol.connection_lost(None)
        assert not other.wire.write_text("x")


async def test_no_write_before_the_handshake() -> None:
    async with _connect(accept=False) as conn:
        assert not conn.wire.ready()


async def test_no_write_when_compression_was_negotiated() -> None:
    async with _connect(deflate=True,
                        offer=b"Sec-WebSocket-Extensions: permessage-deflate\r\n") as conn:
        assert conn.protocol.conn.extensions  # negotiated
        assert not conn.wire.write_text("x")
        await conn.send({"type": "websocket.send", "text": "x"})  # uvicorn compresses it
        assert conn.socket.frames()[-1][0] == 0xC1  # FIN, RSV1 (compressed), text


REFUSING_STATES = [  # (object, field, value): each alone must stop the wire
    ("protocol", "handshake_complete", False),
    ("protocol", "initial_response", (403, [], b"")),  # an HTTP rejection under way
    ("protocol", "close_sent", True),
    ("protocol", "disconnected", True),
    ("conn", "state", State.CLOSING),  # e.g. the peer's close frame received
    ("conn", "side", CLIENT),  # a client would have to mask
    ("conn", "extensions", ["permessage-deflate"]),
    ("conn", "expect_continuation_frame", True),  # a fragmented message in progress
    ("conn", "writes", [b"pending"]),
    ("socket", "closing", True),
]


@pytest.mark.parametrize(("owner", "name", "value"), REFUSING_STATES)
async def test_each_condition_alone_stops_the_wire(connection: Connection, owner: str,
                                                   name: str, value: Any) -> None:
    target = {"protocol": connection.protocol, "conn": connection.protocol.conn,
              "socket": connection.socket}[owner]
    assert connection.wire.ready()
    kept = getattr(target, name)
    setattr(target, name, value)
    before = bytes(connection.socket.written)
    assert not connection.wire.ready() and not connection.wire.write_text("x")
    assert bytes(connection.socket.written) == before
    setattr(target, name, kept)
    assert connection.wire.ready()


async def test_no_write_passes_an_asgi_send_waiting_for_the_socket(
        connection: Connection) -> None:
    connection.protocol.pause_writing()
    waiting = asyncio.create_task(connection.send({"type": "websocket.send", "text": "a"}))
    await asyncio.sleep(0)
    connection.protocol.resume_writing()  # the waiting send runs on a later turn
    assert not connection.wire.write_text("b")
    await waiting
    assert connection.wire.write_text("b")
    assert [payload for _, payload in connection.socket.frames()] == [b"a", b"b"]


async def test_a_write_the_transport_refuses_is_left_to_the_asgi_path(
        connection: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(data: Any) -> None:
        raise RuntimeError("transport closed")

    monkeypatch.setattr(connection.socket, "write", refuse)
    assert connection.wire.ready() and not connection.wire.write_text("x")
