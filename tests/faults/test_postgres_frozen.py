"""A frozen PostgreSQL (every process of it stopped with SIGSTOP: what a
partition or a stalled host looks like to a client, the connections open and
silent): requests are refused with 503 within PASSERELLE_DB_TIMEOUT_SECONDS
instead of hanging, and once it thaws a command retried with its idempotency
key is recorded once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from demo.organisations import siren_for
from infra.embedded import EmbeddedPostgres
from tests.faults.support import REGISTER, Outcome, post, registered_id, registration
from tests.support.servers import running
from tests.support.workers import children

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

TIMEOUT = 2.0
# The timeout, plus a pool's connection found stuck behind another request's
# statement, plus slack for a loaded machine.
ANSWERED_WITHIN = 3 * TIMEOUT + 3.0
STARTUPS = "{ startups(first: 5) { totalCount } }"


@contextlib.contextmanager
def frozen(postgres: EmbeddedPostgres) -> Iterator[None]:
    """Every process of the server stopped (SIGSTOP) inside, continued after."""
    postmaster = int((postgres.pgdata / "postmaster.pid").read_text().split()[0])
    stopped = [postmaster, *children(postmaster)]
    for pid in stopped:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)


def unavailable(outcome: Outcome) -> bool:
    body = outcome.body if isinstance(outcome.body, dict) else {}
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or ()]
    return outcome.status == 503 and codes == ["SERVICE_UNAVAILABLE"]


def registrations_of(database_url: str, siren: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM organisations WHERE siren = %s",
                           (siren,)).fetchone()
    assert row is not None
    return int(row[0])


async def test_a_frozen_database_is_refused_in_time_and_a_retried_command_applies_once(
    postgres: EmbeddedPostgres,
) -> None:
    with running(postgres.url, PASSERELLE_DB_TIMEOUT_SECONDS=str(TIMEOUT)) as server:
        async with httpx.AsyncClient(timeout=60) as http:
            assert registered_id(await post(http, server.url, REGISTER, *registration(
                0, siren_for(800_000))))
            variables, founder = registration(2, siren_for(800_002))
            with frozen(postgres):
                started = time.monotonic()
                command, query = await asyncio.gather(
                    post(http, server.url, REGISTER, variables, founder),
                    post(http, server.url, STARTUPS))
                ready = await http.get(f"{server.base}/readyz")
                while_frozen = time.monotonic() - started
            # Refused, clearly and in time, rather than held until the database thaws.
            assert unavailable(command), command
            assert "idempotencyKey" in command.body["errors"][0]["message"]
            assert unavailable(query), query
            assert ready.status_code == 503
            assert command.seconds < ANSWERED_WITHIN and query.seconds < ANSWERED_WITHIN, \
                (command, query)
            assert while_frozen < ANSWERED_WITHIN + 5.0

            # Thawed: the command may have been recorded after its refusal; retried
            # with its key it answers the startup, recorded once.
            deadline = time.monotonic() + 30
            while not registered_id(retried := await post(http, server.url, REGISTER,
                                                          variables, founder)):
                assert time.monotonic() < deadline, (retried, server.log_tail())
                await asyncio.sleep(0.2)
    assert registrations_of(postgres.url, siren_for(800_002)) == 1
