"""infra/key_checks.py without a database: what a command noted is taken
once, and a stale key runs the command once more, never twice."""

from __future__ import annotations

import contextvars
import hashlib

import pytest

from infra import key_checks


def test_noted_keys_are_taken_once_as_digests() -> None:
    def command() -> tuple[dict[str, bytes], dict[str, bytes]]:
        key_checks.note("alice", b"k" * 32)
        key_checks.note("bob", b"b" * 32)
        key_checks.note("alice", b"k" * 32)
        return key_checks.take(), key_checks.take()

    first, second = contextvars.copy_context().run(command)
    assert first == {"alice": hashlib.sha256(b"k" * 32).digest(),
                     "bob": hashlib.sha256(b"b" * 32).digest()}
    assert second == {}


def test_a_stale_key_runs_the_command_once_more_with_fresh_keys() -> None:
    seen: list[bool] = []

    def command() -> str:
        seen.append(key_checks.keys_in_memory_allowed())
        if len(seen) == 1:
            raise key_checks.StaleKeyError("forgotten")
        return "recorded"

    assert contextvars.copy_context().run(key_checks.run_checked, command) == "recorded"
    assert seen == [True, False]
    assert key_checks.keys_in_memory_allowed()  # only during the second run


def test_a_second_stale_key_is_raised() -> None:
    calls: list[int] = []

    def command() -> None:
        calls.append(1)
        raise key_checks.StaleKeyError("forgotten again")

    with pytest.raises(key_checks.StaleKeyError):
        contextvars.copy_context().run(key_checks.run_checked, command)
    assert len(calls) == 2


def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    def command() -> None:
        calls.append(1)
        raise ValueError("refused by the domain")

    with pytest.raises(ValueError):
        key_checks.run_checked(command)
    assert len(calls) == 1
