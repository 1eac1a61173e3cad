"""Strawberry's `Schema.stream` for a valid subscription, without its
per-operation extension machinery (schema/pipeline.py does the same for
`execute`).

A subscription lives as long as its WebSocket operation, and so did what
strawberry builds around it: five extension objects, an extensions runner, a
middleware manager, an exit stack and a suspended generator per `on_operation`
hook. That was about a quarter of an idle subscriber's memory. Here the
extensions' work is done directly, as for `execute`: the document parsed once
with the token limit, validated once with the same rules, each result's errors
logged then masked (MaskErrors' `on_stream_result`) before it is yielded.

Only the common case takes this path: a document that parses, names one
subscription operation the caller allows, and validates. A document that does
not parse is refused here (see `prepared`: strawberry's own path let that
error escape). Everything else (queries and mutations over WebSocket, missing
or ambiguous operations, validation errors) goes through strawberry's own
`stream`, which finds the same errors and reports them its way."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, cast

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, subscribe
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.aio import aclosing
from strawberry.utils.await_maybe import await_maybe

from schema.pipeline import as_graphql_error

if TYPE_CHECKING:
    import strawberry

    from schema.pipeline import Pipeline

Results = AsyncIterator[ExecutionResult]


def prepared(pipeline: Pipeline, schema: strawberry.Schema, query: str | None,
             variables: dict[str, Any] | None, context: Any, root_value: Any,
             operation_name: str | None, allowed: Iterable[OperationType] | None,
             operation_extensions: dict[str, Any] | None,
             ) -> ExecutionContext | ExecutionResult | None:
    """The operation's context if it is a valid, allowed subscription; None
    when strawberry's path must take it (and report what is wrong); a result
    when the document does not parse (a syntax error, too many tokens).

    That result is what strawberry gives without ParserCache: a pre-execution
    error, which its graphql-transport-ws handler turns into a 4400 close
    (Bad Request) with the syntax error as the reason. With ParserCache the
    parse runs in the extension's hook, outside strawberry's handling, so the
    error escaped the operation (logged as a worker task's exception) and the
    client only received `complete`, never saying what was wrong."""
    if not query:
        return None
    ctx = pipeline.context(schema, query, variables, context, root_value, operation_name,
                           allowed, operation_extensions)
    try:
        ctx.graphql_document = pipeline.parsed(query)
    except GraphQLError as error:
        return _finished(pipeline, schema, ctx, PreExecutionError(data=None, errors=[error]))
    try:
        operation_type = ctx.operation_type
    except RuntimeError:
        return None
    if (operation_type is not OperationType.SUBSCRIPTION
            or operation_type not in ctx.allowed_operations):
        return None
    if pipeline.validated(schema._schema, ctx.graphql_document, ctx.validation_rules):
        return None
    return ctx


async def subscription_results(pipeline: Pipeline, schema: strawberry.Schema,
                               ctx: ExecutionContext) -> Results:
    """strawberry's `_stream` from `subscribe` on, with the same results, the
    same errors logged and masked, and the source closed when this is."""
    try:
        source = await await_maybe(subscribe(
            schema._schema, ctx.graphql_document,  # type: ignore[arg-type]
            root_value=ctx.root_value, variable_values=ctx.variables,
            operation_name=ctx.operation_name, context_value=ctx.context,
            operation_extensions=ctx.operation_extensions,
            executor_class=schema.execution_context_class))
        if isinstance(source, GraphQLExecutionResult):  # refused before it started
            yield _finished(pipeline, schema, ctx, PreExecutionError(data=None,
                                                                     errors=source.errors))
            return
        events = cast(AsyncIterator[GraphQLExecutionResult], source)
        try:
            async with aclosing(events):
                async for result in events:
                    yield _finished(pipeline, schema, ctx, result)
        except Exception as exc:  # as strawberry: graphql-core lets them through
            yield _finished(pipeline, schema, ctx, _failed(exc))
    except Exception as exc:
        yield _finished(pipeline, schema, ctx, _failed(exc))


async def only(result: ExecutionResult) -> Results:
    """A stream of one result (a document refused before it ran)."""
    yield result


def _failed(exc: Exception) -> GraphQLExecutionResult:
    return GraphQLExecutionResult(data=None, errors=[as_graphql_error(exc)])


def _finished(pipeline: Pipeline, schema: strawberry.Schema, ctx: ExecutionContext,
              result: GraphQLExecutionResult | ExecutionResult) -> ExecutionResult:
    """strawberry's `_handle_execution_result` (errors logged before they are
    masked), then MaskErrors' `on_stream_result`."""
    if isinstance(result, GraphQLExecutionResult):
        result = ExecutionResult(data=result.data, errors=result.errors)
    return pipeline.masked(schema, ctx, result)
