"""A command the database did not confirm may have been recorded all the same
(a timeout, a connection broken mid-commit): its 503 advises only a retry that
cannot apply it twice."""

from __future__ import annotations

from pydantic import BaseModel

from schema.errors import unavailable_advice


class Keyed(BaseModel):
    idempotency_key: str | None = None


class Versioned(BaseModel):
    expected_version: int | None = None


class Neither(BaseModel):
    name: str = "Batterix"


def test_a_command_with_a_key_is_retried_with_it() -> None:
    assert unavailable_advice(Keyed(idempotency_key="k-1")).endswith(
        "retry shortly with the same idempotencyKey")


def test_a_command_with_an_expected_version_is_retried_with_it() -> None:
    assert unavailable_advice(Versioned(expected_version=3)).endswith(
        "retry shortly with the same expectedVersion (CONFLICT: it was)")


def test_any_other_command_is_read_back_before_any_retry() -> None:
    for command in (Keyed(), Versioned(), Neither()):
        assert unavailable_advice(command).endswith("read the current state before retrying")
