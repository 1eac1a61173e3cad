"""What the pipeline tests' toy schemas share: a field refused with a public
error, one failing with an internal error, and what a client sees of a result."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.errors import PublicError


def _refused() -> str | None:
    raise PublicError("Not for you", "FORBIDDEN")


def _broken() -> str | None:
    raise ValueError("secret detail")


def public_field() -> Any:
    return strawberry.field(resolver=_refused)


def internal_field() -> Any:
    return strawberry.field(resolver=_broken)


def seen(result: Any) -> tuple[Any, ...]:
    """Data, errors as formatted for clients, extensions and the result's kind."""
    return (result.data, [e.formatted for e in result.errors or ()], result.extensions,
            type(result).__name__)
