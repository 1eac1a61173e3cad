"""graphql-transport-ws with the live subscription's shared-frame path: each
operation's task knows its id (schema/live/frames.py writes `next` messages
with it), everything else is TokenInitHandler's (token in connection_init,
connections per token) and strawberry's."""

from __future__ import annotations

from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from schema.auth import TokenInitHandler
from schema.live.frames import OPERATION_ID


class LiveHandler(TokenInitHandler):
    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_init_received:
            # The init timeout was cancelled: let the finished task go rather
            # than keep it (its frame and CancelledError) for the connection's life.
            self.connection_init_timeout_task = None

    async def run_operation(self, operation: Operation[Any, None]) -> None:
        # Runs as the operation's own task: the variable is seen by its resolver only.
        OPERATION_ID.set(operation.id)
        await super().run_operation(operation)
