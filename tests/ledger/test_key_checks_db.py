"""Persons' keys kept in memory, checked at commit (migrations/0011,
infra/key_checks.py), on real PostgreSQL: a key forgotten on another instance
refuses the command, nothing recorded, and a command run again reads the new
key; the group-commit path refuses the same way."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from domain.organisations.aggregates import Startup
from infra import key_checks, pii
from infra.eventstore import WriteSide, open_write_side
from infra.recorder import Command
from tests.ledger.test_group_commit_db import _recorder, _rows, _startup, _stored

T = TypeVar("T")


@pytest.fixture
def other(database_url: str) -> Iterator[WriteSide]:
    """A second instance on the same database: its own pools, its own keys in memory."""
    with contextlib.closing(open_write_side(database_url, pool_size=2)) as side:
        yield side


def _in_own_context(fn: Callable[[], T]) -> T:
    """As Services.run: each command in a context of its own."""
    return contextvars.copy_context().run(fn)


def _register(write: WriteSide, name: str, siren: str) -> Startup:
    """A command that seals alice's contact, then records the startup."""
    startup = _sealed_startup(write, name, siren, "alice")
    _recorder(write).insert_events(_stored(write, startup))
    return startup


def _sealed_startup(write: WriteSide, name: str, siren: str, user: str) -> Startup:
    return _startup(name, siren, user, write.vault.seal(user, {"email": f"{siren}@example.fr"}))


def _ledger_size(url: str) -> int:
    return int(_rows(url, "SELECT count(*) FROM ledger_events")[0][0])


def _live_key(url: str) -> bytes:
    return bytes(_rows(url, "SELECT key FROM person_keys WHERE user_id = 'alice'")[0][0])


def _contact_of(url: str, siren: str) -> Any:
    rows = _rows(url, "SELECT convert_from(state, 'UTF8')::jsonb->>'admin_contact'"
                      f" FROM ledger_events WHERE convert_from(state, 'UTF8') LIKE '%{siren}%'")
    return pii.unseal(rows[0][0], _live_key(url))


def test_a_key_in_memory_serves_the_next_commands(write: WriteSide, database_url: str) -> None:
    _in_own_context(lambda: _register(write, "Alpha", "732829320"))
    _in_own_context(lambda: _register(write, "Beta", "552100554"))
    assert _ledger_size(database_url) == 2
    assert _contact_of(database_url, "552100554") == {"email": "552100554@example.fr"}


def test_a_key_forgotten_elsewhere_refuses_the_command_and_records_nothing(
    write: WriteSide, other: WriteSide, database_url: str
) -> None:
    _in_own_context(lambda: _register(write, "Alpha", "732829320"))
    other.vault.forget("alice")
    _in_own_context(lambda: other.vault.seal("alice", {"email": "new@example.fr"}))  # a new key
    with pytest.raises(key_checks.StaleKeyError):
        _in_own_context(lambda: _register(write, "Beta", "552100554"))
    assert _ledger_size(database_url) == 1


def test_the_command_run_again_seals_with_the_new_key(
    write: WriteSide, other: WriteSide, database_url: str
) -> None:
    _in_own_context(lambda: _register(write, "Alpha", "732829320"))
    other.vault.forget("alice")
    runs: list[bool] = []

    def command(name: str, siren: str) -> Startup:
        runs.append(key_checks.keys_in_memory_allowed())
        return _register(write, name, siren)

    _in_own_context(lambda: key_checks.run_checked(command, "Beta", "552100554"))
    assert runs == [True, False]  # the second run read the key from the database
    assert _ledger_size(database_url) == 2
    assert _contact_of(database_url, "552100554") == {"email": "552100554@example.fr"}
    # ... and the key it read is now the one in memory: the next command passes at once.
    runs.clear()
    _in_own_context(lambda: key_checks.run_checked(command, "Gamma", "404833048"))
    assert runs == [True]
    assert _ledger_size(database_url) == 3


def test_a_forget_on_this_instance_drops_the_key_from_memory(
    write: WriteSide, database_url: str
) -> None:
    _in_own_context(lambda: _register(write, "Alpha", "732829320"))
    before = _live_key(database_url)
    write.vault.forget("alice")
    _in_own_context(lambda: _register(write, "Beta", "552100554"))  # no retry needed
    assert _live_key(database_url) != before
    assert _contact_of(database_url, "552100554") == {"email": "552100554@example.fr"}


def test_a_batch_with_a_stale_key_records_nothing_and_each_command_alone_decides(
    write: WriteSide, other: WriteSide, database_url: str
) -> None:
    recorder = _recorder(write)
    _in_own_context(lambda: _register(write, "Alpha", "732829320"))

    def sealed_command(name: str, siren: str, user: str) -> Command:
        startup = _sealed_startup(write, name, siren, user)
        return Command(_stored(write, startup), keys=key_checks.take())

    stale = _in_own_context(lambda: sealed_command("Beta", "552100554", "alice"))
    fresh = _in_own_context(lambda: sealed_command("Gamma", "404833048", "bob"))
    other.vault.forget("alice")
    assert recorder._record_batch([stale, fresh]) == [None, None]
    assert _ledger_size(database_url) == 1
    with pytest.raises(key_checks.StaleKeyError):
        recorder._record_alone(stale)
    assert len(recorder._record_alone(fresh)) == 1
    # The undone batch took no position: the ledger stays gapless.
    assert [row[0] for row in _rows(database_url, "SELECT notification_id FROM ledger_events"
                                                  " ORDER BY 1")] == [1, 2]


def test_with_no_time_in_memory_every_command_reads_the_key(
    database_url: str, other: WriteSide
) -> None:
    with contextlib.closing(open_write_side(database_url, 2, key_ttl_seconds=0)) as reading:
        _in_own_context(lambda: _register(reading, "Alpha", "732829320"))
        other.vault.forget("alice")
        _in_own_context(lambda: _register(reading, "Beta", "552100554"))  # not refused
        assert _contact_of(database_url, "552100554") == {"email": "552100554@example.fr"}
