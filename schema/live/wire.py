"""Pre-framed live messages written straight to a WebSocket's transport.

In the live fan-out each subscriber's `next` message is already encoded
(schema/live/frames.py); sending it through the ASGI layers (starlette's
WebSocket, its exception wrapper, uvicorn's `send`, the websockets protocol
building the frame) cost a third of the fan-out's time per subscriber besides
the socket write itself. Here the frame is built in one step, RFC 6455 §5.2 for
a server (FIN, text opcode, no mask), and handed to the transport.

Only when that is exactly what uvicorn's own `send` would do at that moment:
its websockets-sansio protocol serves the connection, the handshake is done,
the connection is open, nothing is closing or closed, no fragmented message is
in progress, no extension (compression) was negotiated, nothing of the
protocol's own is waiting to be written, the transport is not paused for flow
control and no ASGI `send` is still waiting for it to drain (one would run on a
later loop turn, after this write). Otherwise, or when the transport refuses
the write, `write_text` returns False and the caller takes the ASGI path, which
waits, raises or frames as uvicorn decides. Writes reach the transport on the
event loop in the order they are made, whichever path they take.

`WireMiddleware` (the outermost of ours; starlette's ServerErrorMiddleware and
uvicorn's proxy-headers middleware, outside it, pass a WebSocket's `send` on
unchanged) keeps the server's own `send` in the scope: the ASGI layers below
wrap it, and only the server's own is a bound method of the protocol. At
uvicorn's `trace` log level its message logger wraps `send` too, and the wire
stays off."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import SERVER, State

SERVER_SEND = "passerelle.server_send"  # scope key
_TEXT_FIN = 0x81  # FIN bit, opcode 1 (text)
# What `ready` reads, checked once per subscription: should a uvicorn or websockets
# release rename one (both are held to one minor version), the ASGI path is used.
_PROTOCOL_FIELDS = ("handshake_complete", "initial_response", "close_sent", "disconnected",
                    "writable", "transport", "conn")
_CONN_FIELDS = ("state", "side", "extensions", "expect_continuation_frame", "writes")
_EVENT_FIELDS = ("_waiters",)  # asyncio.Event's: ASGI sends waiting for the socket to drain


class WireMiddleware:
    """Outermost: remembers the server's `send` of each WebSocket connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not `async def`: no frame of ours kept for a WebSocket's life (docs/live.md).
        if scope["type"] == "websocket":
            scope[SERVER_SEND] = send
        return self.app(scope, receive, send)


def text_frame(payload: bytes) -> bytes:
    """An unmasked, unfragmented text frame (what a server sends)."""
    size = len(payload)
    if size < 126:
        head = bytes((_TEXT_FIN, size))
    elif size < 1 << 16:
        head = bytes((_TEXT_FIN, 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((_TEXT_FIN, 127)) + size.to_bytes(8, "big")
    return head + payload


class Wire:
    """One connection's direct way to its socket."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol

    @classmethod
    def of(cls, scope: Any) -> Wire | None:
        """The connection's wire; None unless uvicorn's websockets-sansio serves it."""
        send = scope.get(SERVER_SEND) if isinstance(scope, dict) else None
        protocol = getattr(send, "__self__", None)
        if not isinstance(protocol, WebSocketsSansIOProtocol) or not _has(
                protocol, _PROTOCOL_FIELDS) or not _has(protocol.conn, _CONN_FIELDS) or not _has(
                protocol.writable, _EVENT_FIELDS):
            return None
        return cls(protocol)

    def ready(self) -> bool:
        """Whether uvicorn's `send` would frame and write a text message right now."""
        p = self._protocol
        conn, writable = p.conn, p.writable
        # `conn.writes`: uvicorn drains it after every protocol call, so it is
        # empty here; checked all the same, as a frame must not pass its bytes.
        return (p.handshake_complete and p.initial_response is None and not p.close_sent
                and not p.disconnected and writable.is_set() and not writable._waiters
                and not p.transport.is_closing() and conn.state is State.OPEN
                and conn.side is SERVER and not conn.extensions
                and not conn.expect_continuation_frame and not conn.writes)

    def write_text(self, text: str) -> bool:
        """Writes `text` as one frame; False (nothing written) when not `ready`
        or when the transport refuses it (the ASGI path then reports why)."""
        if not self.ready():
            return False
        try:
            self._protocol.transport.write(text_frame(text.encode()))
        except (OSError, RuntimeError):
            return False
        return True


def _has(obj: object, names: tuple[str, ...]) -> bool:
    return all(hasattr(obj, name) for name in names)
