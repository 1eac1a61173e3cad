"""The shared-frame path of a live subscription: once an entry's result has been
computed for a document (by the normal path, for the first subscriber), every
other subscriber with the same document and relevant variables sends the same
pre-encoded `next` message, written straight to its WebSocket, instead of going
through strawberry's per-event pipeline (graphql-core's event execution, the
extensions' hooks, message building, JSON encoding), which cost ~20 µs per
subscriber per entry.

The message is byte for byte the one strawberry would send: `{"id": …, "type":
"next", "payload": {"data": …}}`, encoded by orjson (the view's `encode_json`).
Results with errors are never shared: those entries take the normal path, as
does everything when the operation's id is unknown (not over our handler).
Under uvicorn the message skips the ASGI layers too: schema/live/wire.py.
`passerelle_live_messages_total{path}` counts the paths (schema/live/direct.py's too)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

import orjson
from starlette.websockets import WebSocketDisconnect
from strawberry.types import Info

from infra.observability import LIVE_MESSAGES
from schema.live.shared import result_key, shared_result
from schema.live.wire import Wire
from schema.observability import labelled

SENT_DIRECT = labelled(LIVE_MESSAGES, "direct")  # the same, the task left asleep (direct.py)
SENT_BY_WIRE = labelled(LIVE_MESSAGES, "wire")  # pre-framed, straight to the socket
SENT_BY_ASGI = labelled(LIVE_MESSAGES, "asgi")  # pre-encoded, through the ASGI send
SENT_EXECUTED = labelled(LIVE_MESSAGES, "executed")  # strawberry's normal path

# The graphql-transport-ws operation whose task is running (set by LiveHandler).
OPERATION_ID: ContextVar[str | None] = ContextVar("passerelle_operation_id", default=None)


class FrameSender:
    """One subscription's way to the wire for entries already computed."""

    __slots__ = ("key", "operation", "prefix", "websocket", "wire")

    def __init__(self, info: Info[Any, Any], operation_id: str) -> None:
        raw = info._raw_info
        self.operation = raw.operation
        # The coerced values, as the event's execution context keys them
        # (graphql-core hands resolvers either the dict or its VariableValues).
        values: Any = raw.variable_values
        coerced: Mapping[str, Any] = getattr(values, "coerced", values)
        self.key = result_key(self.operation, raw.fragments, coerced)
        self.websocket = info.context.request
        self.wire = Wire.of(getattr(self.websocket, "scope", None))
        self.prefix = '{"id":' + orjson.dumps(operation_id).decode() + ',"type":"next","payload":'

    @classmethod
    def of(cls, info: Info[Any, Any]) -> FrameSender | None:
        """The sender of the running operation; None off our WebSocket handler."""
        operation_id = OPERATION_ID.get()
        if operation_id is None or not hasattr(info.context.request, "send"):
            return None
        return cls(info, operation_id)

    def message(self, obj: object) -> str | None:
        """The `next` message of a shared entry object, if its result is known."""
        hit = shared_result(obj, self.key, self.operation)
        return None if hit is None else f"{self.prefix}{hit.payload()}}}"

    async def send(self, obj: object) -> bool:
        """Sends the shared message; False when the normal path must compute it."""
        text = self.message(obj)
        if text is None:
            return False
        if self.wire is not None and self.wire.write_text(text):
            SENT_BY_WIRE.inc()
            return True
        SENT_BY_ASGI.inc()
        try:
            await self.websocket.send({"type": "websocket.send", "text": text})
        except (WebSocketDisconnect, OSError, RuntimeError):
            # The peer is gone: the connection's shutdown cancels this operation
            # (as it does when strawberry's own send finds the socket closed).
            await asyncio.Event().wait()
            raise
        return True
