"""graphql-transport-ws with the live subscription's shared-frame path: each
operation's task knows its id (schema/live/frames.py writes `next` messages
with it), everything else is TokenInitHandler's (token in connection_init,
connections per token) and strawberry's."""

from __future__ import annotations

from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation

from schema.auth import TokenInitHandler
from schema.live.frames import OPERATION_ID


class LiveHandler(TokenInitHandler):
    async def run_operation(self, operation: Operation[Any, None]) -> None:
        # Runs as the operation's own task: the variable is seen by its resolver only.
        OPERATION_ID.set(operation.id)
        await super().run_operation(operation)
