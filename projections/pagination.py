"""Opaque keyset cursors and the `first` rules of the contract."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson

MAX_FIRST = 100
T = TypeVar("T")


class PaginationError(ValueError):
    """Bad `first` or `after`: refused with a top-level error."""


def clamp_first(first: int | None, default: int = 20) -> int:
    """`first` above 100 is capped at 100; below 1 is refused."""
    if first is None:
        return default
    if first < 1:
        raise PaginationError("`first` must be at least 1")
    return min(first, MAX_FIRST)


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode()


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, orjson.JSONDecodeError):
        raise PaginationError("`after` is not a cursor this API issued") from None
    if not isinstance(values, list) or len(values) != arity:
        raise PaginationError("`after` is not a cursor this API issued")
    return values


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a keyset-paginated list."""

    items: list[T]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    total: int
