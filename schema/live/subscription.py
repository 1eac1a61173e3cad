"""The Subscription root: `ledger(after:, filter:)` as an async generator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.types import Info

from domain.actors import Role
from infra.live import FellBehindError, LiveBroker
from projections.pagination import PaginationError
from schema.errors import bad_request, unauthenticated
from schema.ledger import LedgerEntry, LedgerFilter, _filter, access_of
from schema.live.direct import DirectDelivery
from schema.live.follower import Follower
from schema.live.frames import SENT_EXECUTED, FrameSender
from schema.live.shared import shared_entry
from schema.live.viewer import Viewer

# RFC 6455 "Try Again Later": graphql-ws clients treat it as retryable.
FELL_BEHIND_CODE = 1013
MEMBER_ROLES = (Role.STARTUP, Role.CORPORATE)


def broker_of(info: Info[Any, Any]) -> LiveBroker:
    broker = info.context.services.commands["live"]
    assert isinstance(broker, LiveBroker)
    return broker


async def viewer_for(info: Info[Any, Any], f: LedgerFilter | None) -> Viewer:
    context = info.context
    actor = context.actor
    if not actor.signed_in:
        raise unauthenticated("Sign in to follow the ledger")
    member = actor.user_id if actor.role in MEMBER_ROLES else None

    async def refresh(position: int) -> frozenset[Any]:
        services = context.services
        await services.watch.wait_for(position, services.settings.projection_wait_seconds)
        return frozenset(await context.member_of())

    return Viewer(await access_of(info), _filter(f), member, refresh)


async def close_connection(websocket: Any, code: int, reason: str) -> None:
    """Closes the subscriber's WebSocket once (whoever notices first)."""
    if getattr(websocket, "application_state", None) is WebSocketState.CONNECTED:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await websocket.close(code=code, reason=reason)


def fell_behind_reason(limit: int) -> str:
    return f"Too slow: over {limit} entries unsent. Resubscribe with after = the last position received"


async def _next_batch(follower: Follower, info: Info[Any, Any]) -> list[Any]:
    try:
        return await follower.next_batch()
    except FellBehindError:
        # Closed from this task, after its last send went out: the client reads
        # every entry sent so far, then the reason (a close frame written while
        # another send waits on a full socket would race it).
        reason = fell_behind_reason(follower.broker.limits.buffer_entries)
        await close_connection(info.context.request, FELL_BEHIND_CODE, reason)
        await asyncio.Event().wait()  # the connection's shutdown cancels this operation
        raise


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(description="Ledger entries the viewer may see, in position order: first every entry after `after` (catch-up), then live ones as they commit, with no gap and no duplicate. Reconnecting with the last position seen resumes exactly.")
    async def ledger(
        self, info: Info[Any, Any], after: int | None = None, filter: LedgerFilter | None = None,
    ) -> AsyncGenerator[LedgerEntry, None]:
        if after is not None and after < 0:
            raise bad_request(PaginationError("`after` is a ledger position, 0 or more"))
        follower = Follower(broker_of(info), await viewer_for(info, filter), after or 0)
        sender = FrameSender.of(info)
        DirectDelivery.attach(follower, sender)  # the follower settles and closes it
        await follower.start()
        try:
            while True:
                batch = await _next_batch(follower, info)
                stale = True
                for live in batch:
                    obj = shared_entry(live)
                    # Computed for another subscriber already: the same message,
                    # straight to the socket. Otherwise the normal path, in order.
                    if sender is None or not await sender.send(obj):
                        if stale:  # only the normal path reads keys: clear them for it
                            # A key destroyed (forgetPerson) since the last batch must not be used.
                            info.context.loaders.person_key.clear_all()
                            stale = False
                        SENT_EXECUTED.inc()
                        yield obj
        finally:
            follower.close()
