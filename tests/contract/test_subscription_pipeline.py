"""`stream` of the served schema (schema/subscribe.py for valid subscriptions,
without strawberry's extension machinery) gives what strawberry's own
`Schema.stream` with the same extensions gives: every result in order, with its
data, its errors as clients see them (masked or not), its extensions and its
kind, the same errors logged, and the source closed when the stream is."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any, cast

import pytest
import strawberry
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.logging import StrawberryLogger

from schema.app import build_schema
from schema.errors import PublicError
from tests.contract.toy import internal_field, public_field, seen

CLOSED: list[str] = []


@strawberry.type
class Event:
    ok: int = 1

    public: str | None = public_field()
    internal: str | None = internal_field()


@strawberry.type
class Query:
    hello: str = "world"


@strawberry.type
class Mutation:
    @strawberry.mutation
    def poke(self) -> int:
        return 7


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def count(self, to: int = 2) -> AsyncGenerator[int, None]:
        try:
            for i in range(to):
                yield i
        finally:
            CLOSED.append("count")

    @strawberry.subscription
    async def events(self) -> AsyncGenerator[Event, None]:
        yield Event()
        yield Event(ok=2)

    @strawberry.subscription
    async def refused(self) -> AsyncGenerator[int, None]:
        raise PublicError("Sign in to follow", "UNAUTHENTICATED")
        yield 0  # pragma: no cover - makes it a generator

    @strawberry.subscription
    async def broken(self) -> AsyncGenerator[int, None]:
        raise ValueError("secret start detail")
        yield 0  # pragma: no cover

    @strawberry.subscription
    async def breaks_later(self) -> AsyncGenerator[int, None]:
        yield 1
        raise ValueError("secret later detail")

    @strawberry.subscription
    def not_a_stream(self) -> AsyncGenerator[int, None]:
        raise ValueError("secret before any stream")

    @strawberry.subscription
    async def whoami(self, info: strawberry.Info) -> AsyncGenerator[str, None]:
        extensions = info.input_extensions  # the raw info's operation_extensions
        yield f"{info.context['user']} {info.root_value.name} {extensions}"

    @strawberry.subscription
    async def forever(self) -> AsyncGenerator[int, None]:
        try:
            yield 1
            await asyncio.Event().wait()
        finally:
            CLOSED.append("forever")


@dataclass
class Root:
    name: str


def served() -> strawberry.Schema:
    return build_schema((Query,), (Mutation,), (Subscription,),
                        limits={"depth": 4, "aliases": 3, "tokens": 60})


def subscription_results(stream: object) -> AsyncGenerator[ExecutionResult, None]:
    """A subscription's stream, typed: strawberry's ExecutionResult for each event
    (never an incremental result, which only @defer and @stream give)."""
    return cast(AsyncGenerator[ExecutionResult, None], stream)


CASES: list[tuple[str | None, dict[str, Any] | None, str | None]] = [
    ("subscription { count }", None, None),
    ("subscription S($n: Int!) { count(to: $n) }", {"n": 3}, "S"),
    ("subscription { events { ok public internal } }", None, None),  # masked, kept
    ("subscription { refused }", None, None),
    ("subscription { broken }", None, None),
    ("subscription { breaksLater }", None, None),
    ("subscription { notAStream }", None, None),
    ("subscription($n: Int!) { count(to: $n) }", {"n": "x"}, None),  # coercion
    ("subscription($n: Int!) { count(to: $n) }", None, None),  # missing variable
    ("subscription { count nope }", None, None),  # validation
    ("subscription { count a: count }", None, None),  # one root field only
    ("subscription A { count } subscription B { events { ok } }", None, None),  # which?
    ("subscription A { count } subscription B { events { ok } }", None, "B"),
    ("subscription A { count }", None, "Missing"),
    ("{ hello }", None, None),  # a query over the stream
    ("mutation { poke }", None, None),
    (None, None, None),
    ("", None, None),
]



async def _outcomes(monkeypatch: pytest.MonkeyPatch, query: str | None,
                    variables: dict[str, Any] | None, name: str | None,
                    **kwargs: Any) -> list[Any]:
    logged: list[str] = []
    monkeypatch.setattr(StrawberryLogger, "error",
                        classmethod(lambda cls, error, *_: logged.append(str(error))))
    schema = served()
    outcomes = []
    for run in (strawberry.Schema.stream, type(schema).stream):
        logged.clear()
        results: list[Any] = []
        try:
            async for r in await run(schema, query, variables, operation_name=name, **kwargs):
                results.append(seen(r))
        except Exception as exc:  # strawberry raises some (a syntax error with ParserCache)
            results.append((type(exc).__name__, str(exc)))
        outcomes.append((results, list(logged)))
    return outcomes


@pytest.mark.parametrize(("query", "variables", "name"), CASES)
async def test_same_results_as_strawberry(monkeypatch: pytest.MonkeyPatch, query: str | None,
                                          variables: dict[str, Any] | None,
                                          name: str | None) -> None:
    theirs, ours = await _outcomes(monkeypatch, query, variables, name)
    assert ours == theirs


UNPARSABLE = ["subscription { " + "count " * 70 + "}", "subscription { count", "{ hello"]


@pytest.mark.parametrize("query", UNPARSABLE)
async def test_a_document_that_does_not_parse_is_refused_with_its_error(
        monkeypatch: pytest.MonkeyPatch, query: str) -> None:
    """strawberry's ParserCache lets the syntax error escape `stream` (the
    WebSocket client then only got `complete`); ours is a refusal that says why."""
    theirs, ours = await _outcomes(monkeypatch, query, None, None)
    assert theirs[0][0][0] == "GraphQLSyntaxError"  # raised out of strawberry's stream
    [(data, errors, extensions, kind)] = ours[0]
    assert (data, extensions, kind, ours[1]) == (None, {}, "PreExecutionError", [])  # not logged
    assert errors[0]["message"].startswith("Syntax Error: ") and errors[0]["locations"]


@pytest.mark.parametrize("query", UNPARSABLE[1:])
async def test_the_refusal_is_strawberrys_own_without_parser_cache(query: str) -> None:
    plain = strawberry.Schema(query=Query, subscription=Subscription)  # no extensions
    theirs = [seen(r) async for r in await plain.stream(query)]
    assert [seen(r) async for r in await served().stream(query)] == theirs


@pytest.mark.parametrize("allowed", [{OperationType.QUERY}, {OperationType.SUBSCRIPTION}])
async def test_same_refusal_of_operations_not_allowed(monkeypatch: pytest.MonkeyPatch,
                                                      allowed: set[OperationType]) -> None:
    for query in ("subscription { count }", "{ hello }"):
        theirs, ours = await _outcomes(monkeypatch, query, None, None,
                                       allowed_operation_types=allowed)
        assert ours == theirs


async def test_the_same_context_root_value_and_extensions_reach_the_resolver(
        monkeypatch: pytest.MonkeyPatch) -> None:
    theirs, ours = await _outcomes(
        monkeypatch, "subscription { whoami }", None, None, context_value={"user": "zoé"},
        root_value=Root("racine"), operation_extensions={"trace": "t-1"})
    assert ours == theirs
    assert ours[0] == [({"whoami": "zoé racine {'trace': 't-1'}"}, [], {}, "ExecutionResult")]


async def test_a_cancelled_consumer_cancels_and_closes_the_source() -> None:
    schema = served()
    for run in (strawberry.Schema.stream, type(schema).stream):
        CLOSED.clear()
        stream = await run(schema, "subscription { forever }")
        first = asyncio.Event()

        async def consume(results: Any = stream, started: asyncio.Event = first) -> None:
            async for _ in results:
                started.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert CLOSED == ["forever"]


async def test_the_cases_cover_masking_logging_and_refusals(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ours = (await _outcomes(monkeypatch, "subscription { breaksLater }", None, None))[1]
    results, logged = ours
    assert [r[0] for r in results] == [{"breaksLater": 1}, None]
    assert results[1][1][0]["message"] == "Unexpected error."
    assert logged == ["secret later detail"]
    results, logged = (await _outcomes(monkeypatch, "subscription { refused }", None, None))[1]
    assert results[0][1][0]["extensions"]["code"] == "UNAUTHENTICATED" and logged == []
    results, _ = (await _outcomes(monkeypatch, "subscription { notAStream }", None, None))[1]
    assert results[0][3] == "PreExecutionError"


async def test_a_valid_subscription_builds_no_extensions(monkeypatch: pytest.MonkeyPatch) -> None:
    """What it is for: nothing of strawberry's extension machinery per subscription."""
    schema = served()

    def refuse(*_: Any) -> Any:
        raise AssertionError("extensions built for a valid subscription")

    monkeypatch.setattr(schema, "get_extensions", refuse)
    stream = subscription_results(await schema.stream("subscription { count(to: 3) }"))
    results = [r.data async for r in stream]
    assert results == [{"count": 0}, {"count": 1}, {"count": 2}]
    with pytest.raises(AssertionError, match="extensions built"):
        await schema.stream("{ hello }")  # the other operations: strawberry's path


async def test_closing_the_stream_closes_its_source() -> None:
    schema = served()
    for run in (strawberry.Schema.stream, type(schema).stream):
        CLOSED.clear()
        stream = subscription_results(await run(schema, "subscription { count(to: 5) }"))
        first = await stream.__anext__()
        assert first.data == {"count": 0} and CLOSED == []
        with contextlib.suppress(StopAsyncIteration):
            await stream.aclose()
        assert CLOSED == ["count"]
