"""Agreements expire when their duration has run out: nobody asks for it, so
the platform records `AgreementExpired` itself, from one process at a time
(infra/duty.py), every PASSERELLE_EXPIRY_SWEEP_SECONDS."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg

from domain.actors import Actor, CommandContext, Role
from domain.deals.agreement_service import AgreementService
from domain.errors import DomainError
from infra.duty import Duty
from projections.queries.agreements import due_for_expiry

log = logging.getLogger("passerelle.expiry")
EXPIRY_LOCK = 0x5A55E4E11F  # advisory lock key, beside the projector leader's
# Who the ledger names for the platform's own decisions.
PLATFORM = Actor("passerelle:agreement-expiry", Role.OPERATOR)


def _now() -> datetime:
    return datetime.now(UTC)


async def expire_due(pool: asyncpg.Pool, agreements: AgreementService,
                     clock: Callable[[], datetime], stop: asyncio.Event) -> int:
    """Records the expiry of every agreement the read model finds past its
    duration; the aggregate decides again, so a stale read model expires
    nothing early. Stops between two agreements once `stop` is set (a
    shutdown); the rest wait for the next run. Returns how many were recorded."""
    now = clock()
    expired = 0
    for agreement_id in await due_for_expiry(pool, now):
        if stop.is_set():
            break
        ctx = CommandContext(PLATFORM, now, f"expiry-{uuid.uuid4()}")
        try:
            await asyncio.to_thread(agreements.expire, agreement_id, ctx)
        except DomainError as exc:  # ended or expired meanwhile: nothing to do
            log.info("agreement %s not expired: %s", agreement_id, exc)
            continue
        expired += 1
    if expired:
        log.info("%d agreement(s) expired", expired)
    return expired


def expiry_duty(pool: asyncpg.Pool, agreements: AgreementService, every_seconds: float,
                clock: Callable[[], datetime] = _now) -> Duty:
    return Duty("agreement expiry", EXPIRY_LOCK, every_seconds,
                lambda stop: expire_due(pool, agreements, clock, stop))
