"""The organisation service on real PostgreSQL: concurrency, idempotency,
unique SIRENs and gapless positions. Memberships come from the read model, so
the projector is caught up between steps that depend on them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from psycopg_pool import ConnectionPool

from domain.actors import Role
from domain.errors import ConflictError, DomainError, DuplicateClaimError, ForbiddenError
from domain.ledger import Recorded
from domain.organisations import commands as c
from domain.organisations.aggregates import Startup
from domain.organisations.service import OrganisationService
from infra.eventstore import WriteSide
from projections.engine import Projector
from tests.organisations.builders import ctx, register_startup

T = TypeVar("T")


def at_once(*calls: Callable[[], T]) -> list[T | DomainError]:
    """Runs the calls in threads released together; a refusal is returned, not raised."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T | DomainError:
        barrier.wait()
        try:
            return call()
        except DomainError as refused:
            return refused

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def positions(pool: ConnectionPool[Any]) -> list[int]:
    with pool.connection() as conn:
        return [r[0] for r in conn.execute(
            "SELECT notification_id FROM ledger_events ORDER BY notification_id").fetchall()]


def stream_versions(pool: ConnectionPool[Any], stream: Any) -> list[int]:
    with pool.connection() as conn:
        return [r[0] for r in conn.execute(
            "SELECT originator_version FROM ledger_events WHERE originator_id = %s"
            " ORDER BY originator_version", (stream,)).fetchall()]


@pytest.fixture
async def registered(service: OrganisationService, projector: Projector) -> Recorded:
    """Given a startup registered by alice, with the read models caught up."""
    recorded = await asyncio.to_thread(
        service.register_startup, register_startup(1), ctx("alice", Role.STARTUP))
    await projector.catch_up()
    return recorded


def update(service: OrganisationService, startup: Recorded, version: int | None,
           **changes: Any) -> Callable[[], Recorded]:
    command = c.UpdateStartupProfile(id=startup.stream_id, expected_version=version, **changes)
    return lambda: service.update_startup_profile(command, ctx("alice", Role.STARTUP))


async def test_two_concurrent_updates_without_expected_version_both_apply_in_order(
    service: OrganisationService, write_side: WriteSide, registered: Recorded,
) -> None:
    results = await asyncio.to_thread(
        at_once, update(service, registered, None, name="Renamed"),
        update(service, registered, None, city="Lyon"))
    assert all(isinstance(r, Recorded) for r in results), results
    startup = write_side.ledger.load(Startup, registered.stream_id)
    assert (startup.name, startup.city, startup.version) == ("Renamed", "Lyon", 3)


async def test_two_concurrent_updates_at_the_same_expected_version_let_exactly_one_win(
    service: OrganisationService, write_side: WriteSide, registered: Recorded,
) -> None:
    results = await asyncio.to_thread(
        at_once, update(service, registered, 1, name="First"),
        update(service, registered, 1, name="Second"))
    winners = [r for r in results if isinstance(r, Recorded)]
    losers = [r for r in results if isinstance(r, ConflictError)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert stream_versions(write_side.pool, registered.stream_id) == [1, 2]


async def test_ten_concurrent_updates_at_the_same_expected_version_let_exactly_one_win(
    service: OrganisationService, write_side: WriteSide, registered: Recorded,
) -> None:
    calls = [update(service, registered, 1, name=f"Name {i}") for i in range(10)]
    results = await asyncio.to_thread(at_once, *calls)
    assert sum(isinstance(r, Recorded) for r in results) == 1
    assert sum(r.code == "CONFLICT" for r in results if isinstance(r, DomainError)) == 9


async def test_an_update_at_a_stale_expected_version_is_a_conflict(
    service: OrganisationService, registered: Recorded,
) -> None:
    await asyncio.to_thread(update(service, registered, 1, name="Moved on"))
    with pytest.raises(ConflictError) as refused:
        await asyncio.to_thread(update(service, registered, 1, name="Too late"))
    assert refused.value.field == ("input", "expectedVersion")


async def test_concurrent_retries_with_one_idempotency_key_append_once_and_agree_on_the_id(
    service: OrganisationService, write_side: WriteSide,
) -> None:
    command = register_startup(7)
    calls = [lambda: service.register_startup(command, ctx("alice", Role.STARTUP, key="k-1"))
             for _ in range(10)]
    results = await asyncio.to_thread(at_once, *calls)
    assert all(isinstance(r, Recorded) for r in results), results
    assert len({r.stream_id for r in results if isinstance(r, Recorded)}) == 1
    assert positions(write_side.pool) == [1]


async def test_a_retry_with_the_same_idempotency_key_returns_the_first_result_as_replayed(
    service: OrganisationService, write_side: WriteSide,
) -> None:
    first = service.register_startup(register_startup(7), ctx("alice", Role.STARTUP, key="k"))
    again = service.register_startup(register_startup(7), ctx("alice", Role.STARTUP, key="k"))
    assert (again.stream_id, again.position, again.replayed) == (
        first.stream_id, first.position, True)
    assert positions(write_side.pool) == [1]


async def test_the_same_idempotency_key_from_another_user_is_another_command(
    service: OrganisationService,
) -> None:
    service.register_startup(register_startup(7), ctx("alice", Role.STARTUP, key="k"))
    with pytest.raises(DuplicateClaimError):
        service.register_startup(register_startup(7), ctx("bob", Role.STARTUP, key="k"))


async def test_a_siren_already_registered_is_refused(service: OrganisationService) -> None:
    service.register_startup(register_startup(3), ctx("alice", Role.STARTUP))
    with pytest.raises(DuplicateClaimError) as refused:
        service.register_startup(register_startup(3, name="Copycat"), ctx("bob", Role.STARTUP))
    assert refused.value.code == "RULE_VIOLATION"


async def test_a_startup_siren_is_refused_to_a_corporate(service: OrganisationService) -> None:
    service.register_startup(register_startup(3), ctx("alice", Role.STARTUP))
    corporate = c.RegisterCorporate(name="Big", siren=register_startup(3).siren,
                                    description="d", contact_name="C", contact_email="c@x.fr")
    with pytest.raises(DuplicateClaimError):
        service.register_corporate(corporate, ctx("carol", Role.CORPORATE))


async def test_concurrent_registrations_of_one_siren_let_exactly_one_through(
    service: OrganisationService, write_side: WriteSide,
) -> None:
    calls = [lambda i=i: service.register_startup(register_startup(5, name=f"S{i}"),
                                                  ctx(f"user{i}", Role.STARTUP))
             for i in range(6)]
    results = await asyncio.to_thread(at_once, *calls)
    assert sum(isinstance(r, Recorded) for r in results) == 1
    assert sum(isinstance(r, DuplicateClaimError) for r in results) == 5
    assert positions(write_side.pool) == [1]


async def test_refused_commands_take_no_ledger_position(
    service: OrganisationService, write_side: WriteSide, registered: Recorded,
) -> None:
    alice = ctx("alice", Role.STARTUP)
    with pytest.raises(DuplicateClaimError):
        service.register_startup(register_startup(1, name="Again"), ctx("bob", Role.STARTUP))
    await asyncio.to_thread(update(service, registered, 1, name="v2"))
    with pytest.raises(ConflictError):
        await asyncio.to_thread(update(service, registered, 1, name="stale"))
    with pytest.raises(DomainError):
        await asyncio.to_thread(update(service, registered, None, name="v2"))  # changes nothing
    service.register_startup(register_startup(2), alice)
    assert positions(write_side.pool) == [1, 2, 3]


async def test_concurrent_commands_on_many_streams_leave_gapless_positions(
    service: OrganisationService, write_side: WriteSide,
) -> None:
    calls = [lambda i=i: service.register_startup(
        register_startup(100 + i % 4, name=f"S{i}"), ctx(f"u{i}", Role.STARTUP))
        for i in range(12)]
    results = await asyncio.to_thread(at_once, *calls)
    assert sum(isinstance(r, Recorded) for r in results) == 4
    assert positions(write_side.pool) == [1, 2, 3, 4]


async def test_a_non_member_may_not_update_a_startup(
    service: OrganisationService, registered: Recorded,
) -> None:
    command = c.UpdateStartupProfile(id=registered.stream_id, name="Hijacked")
    with pytest.raises(ForbiddenError):
        service.update_startup_profile(command, ctx("mallory", Role.STARTUP))


async def test_a_member_added_by_the_admin_may_then_update_the_startup(
    service: OrganisationService, projector: Projector, registered: Recorded,
) -> None:
    add = c.AddMember(organisation_id=registered.stream_id, user_id="bob",
                      display_name="Bob", email="bob@x.fr")
    service.add_member(add, ctx("alice", Role.STARTUP))
    await projector.catch_up()
    command = c.UpdateStartupProfile(id=registered.stream_id, city="Nantes")
    assert service.update_startup_profile(command, ctx("bob", Role.STARTUP)).position == 3
