"""SharedEventExecution (schema/live/shared.py) releases whoever parked on an
entry (schema/live/direct.py) once its execution ends, whatever the outcome:
a result (shared), a result with errors or an execution that raised (not
shared), or a cancellation (another subscriber may compute it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any, cast

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionResult

import schema.live.shared as shared
from schema.app import build_schema
from schema.live.parking import PARKED
from schema.live.shared import SHARED_RESULTS


@strawberry.type
class Item:
    n: int

    @strawberry.field
    def broken(self) -> int | None:
        raise ValueError("no")

    @strawberry.field
    async def slow(self) -> int:
        await asyncio.Event().wait()
        return 0


@strawberry.type
class ToyQuery:
    ok: bool = True


@strawberry.type
class ToyMutation:
    @strawberry.mutation
    def poke(self) -> bool:
        return True


@strawberry.type
class ToySubscription:
    @strawberry.subscription
    async def items(self) -> AsyncGenerator[Item, None]:
        item = Item(n=1)
        setattr(item, SHARED_RESULTS, {})
        setattr(item, PARKED, {})
        yield item


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, Any, bool]]:
    released: list[tuple[object, Any, bool]] = []
    monkeypatch.setattr(shared, "release", lambda obj, key, shared=True: released.append(
        (obj, key, shared)))
    return released


def _toy_schema() -> strawberry.Schema:
    return build_schema((ToyQuery,), (ToyMutation,), (ToySubscription,))


@pytest.mark.parametrize(("fields", "shared_too"), [("n", True), ("n broken", False)])
async def test_the_execution_releases_the_parked_when_it_ends(
    monkeypatch: pytest.MonkeyPatch, fields: str, shared_too: bool,
) -> None:
    released = _spy(monkeypatch)
    stream = await _toy_schema().stream(f"subscription {{ items {{ {fields} }} }}")
    results = [r async for r in stream]
    assert len(results) == 1 and len(released) == 1
    obj, key, as_shared = released[0]
    assert (key in getattr(obj, SHARED_RESULTS)) is shared_too is as_shared


async def test_a_cancelled_execution_releases_the_parked_for_another_to_compute(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    released = _spy(monkeypatch)
    stream = await _toy_schema().stream("subscription { items { slow } }")
    task = asyncio.ensure_future(stream.__anext__())
    for _ in range(5):
        await asyncio.sleep(0)
    assert released == []
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [r[2] for r in released] == [True]


async def test_an_execution_that_raises_releases_the_parked_unshared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    released = _spy(monkeypatch)

    def broken(*_: Any) -> Any:
        raise RuntimeError("graphql-core failed")

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_operation", broken)
    stream = await _toy_schema().stream("subscription { items { n } }")
    # A subscription's results are strawberry's ExecutionResult (none incremental).
    result = cast(ExecutionResult, await stream.__anext__())
    assert result.errors and [r[2] for r in released] == [False]
