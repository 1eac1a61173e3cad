"""The persons' keys a command sealed data with, checked when it commits.

The vault keeps keys in memory (infra/sync_ports.py); `note` records, for the
command running in this context, each key it used (as a sha256 digest), the
recorder `take`s them into the command's transaction (`ledger_check_keys`,
migrations/0011), and a key that is no longer the person's live one refuses
the command with `StaleKeyError`, nothing recorded. `run_checked` then runs the
command once more with keys read afresh from the database."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_sealed_with: ContextVar[dict[str, bytes] | None] = ContextVar("sealed_with", default=None)
_fresh: ContextVar[bool] = ContextVar("fresh_keys", default=False)


class StaleKeyError(Exception):
    """A key the command sealed with was forgotten (or replaced) since it was read."""


def note(user_id: str, key: bytes) -> None:
    used = _sealed_with.get()
    if used is None:
        used = {}
        _sealed_with.set(used)
    used[user_id] = hashlib.sha256(key).digest()


def take() -> dict[str, bytes]:
    """The keys noted since the last take, by user id."""
    used = _sealed_with.get()
    if not used:
        return {}
    _sealed_with.set(None)
    return used


def keys_in_memory_allowed() -> bool:
    """False while a command runs again after a StaleKeyError."""
    return not _fresh.get()


def run_checked(fn: Callable[..., T], *args: Any) -> T:
    """Runs a command; refused for a stale key, runs it again with fresh keys."""
    try:
        return fn(*args)
    except StaleKeyError:
        _sealed_with.set(None)
        token = _fresh.set(True)
        try:
            return fn(*args)
        finally:
            _fresh.reset(token)
