"""Strawberry's `Schema.execute`, for the one set of extensions `build_schema`
installs, without its per-operation extension machinery.

Per operation, strawberry builds five extension objects, an extensions runner,
a middleware manager and, for each of four phases, a context manager with an
exit stack around the extensions' generator hooks: 50-60 µs of Python before
and after graphql-core's own work, which on a mutation is more than parsing
and validating (both cached). The extensions are fixed at build time, so what
they do is done here directly, in the same order and with the same outcome:

* MaxTokensLimiter + ParserCache: the document parsed once (LRU), with the
  token limit; or the node the HTTP handler already parsed with that limit;
* AddValidationRules + ValidationCache: graphql-core's rules, then ours,
  validated once per document (LRU, same rule tuple every time);
* MaskErrors: internal errors masked in results, not in a failure of the
  whole pipeline (strawberry's hook does not run when an exception unwinds it);
* `process_errors` (logging) on the same errors at the same moments.

`stream` (WebSocket) has the same for valid subscriptions: schema/subscribe.py."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import lru_cache
from inspect import isawaitable
from typing import TYPE_CHECKING, Any, TypeVar

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, specified_rules
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import execute as graphql_execute
from graphql.validation import ASTValidationRule
from strawberry.exceptions import MissingQueryError
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, validate_document
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

if TYPE_CHECKING:
    import strawberry

R = TypeVar("R", bound=ExecutionResult)
CACHE_SIZE = 1024  # documents, as ParserCache(maxsize=1024) and ValidationCache had
# Raised to the caller, as strawberry's execute does (not turned into errors).
_RAISED = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)


def as_graphql_error(exc: Exception) -> GraphQLError:
    """strawberry's `_coerce_error`: the error itself, or wrapped with it as cause."""
    return exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)


class ValidationCache:
    """Validation errors per document node, kept while the node is cached.

    The parse caches give the same node for the same text, so nodes are keyed by
    identity: graphql-core 3.3's nodes are frozen dataclasses whose hash walks
    the whole tree on every lookup (ValidationCache's LRU paid that per
    operation). An entry holds its node, so its id cannot be reused meanwhile."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[int, tuple[DocumentNode, Any, tuple[Any, ...],
                                             list[GraphQLError]]] = OrderedDict()

    def __call__(self, schema: GraphQLSchema, document: DocumentNode,
                 rules: tuple[type[ASTValidationRule], ...]) -> list[GraphQLError]:
        hit = self.entries.get(id(document))
        # The entry holds its node: no other node can have its id meanwhile.
        if hit is not None and hit[1] is schema and hit[2] is rules:
            self.entries.move_to_end(id(document))
            return hit[3]
        errors = validate_document(schema, document, rules)
        self.entries[id(document)] = (document, schema, rules, errors)
        self.entries.move_to_end(id(document))
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return errors


class Pipeline:
    """What the schema's extensions did to every operation, fixed once."""

    def __init__(self, max_tokens: int, rules: Iterable[type[ASTValidationRule]],
                 mask: MaskErrors) -> None:
        self.max_tokens = max_tokens
        # ExecutionContext's default rules, then AddValidationRules': one tuple,
        # so every operation hits the same validation cache entry.
        self.rules: tuple[type[ASTValidationRule], ...] = (*specified_rules, *rules)
        self.mask = mask
        self.parse: Callable[..., DocumentNode] = lru_cache(maxsize=CACHE_SIZE)(parse)
        self.validated = ValidationCache(CACHE_SIZE)

    def context(
        self, schema: strawberry.Schema, query: str | None, variables: dict[str, Any] | None,
        context: Any, root_value: Any, operation_name: str | None,
        allowed: Iterable[OperationType] | None, operation_extensions: dict[str, Any] | None,
    ) -> ExecutionContext:
        """strawberry's ExecutionContext, with what MaxTokensLimiter and
        AddValidationRules' `on_operation` hooks set."""
        ctx = ExecutionContext(
            query=query, schema=schema,
            allowed_operations=allowed if allowed is not None else DEFAULT_ALLOWED_OPERATION_TYPES,
            context=context, root_value=root_value, variables=variables,
            provided_operation_name=operation_name, operation_extensions=operation_extensions)
        ctx.parse_options["max_tokens"] = self.max_tokens
        ctx.validation_rules = self.rules
        return ctx

    async def execute(
        self, schema: strawberry.Schema, query: str | None, variables: dict[str, Any] | None,
        context: Any, root_value: Any, operation_name: str | None,
        allowed: Iterable[OperationType] | None, operation_extensions: dict[str, Any] | None,
        document: DocumentNode | None,
    ) -> ExecutionResult:
        ctx = self.context(schema, query, variables, context, root_value, operation_name,
                           allowed, operation_extensions)
        try:
            result = await self._run(schema, ctx, document)
        except _RAISED:
            raise
        except Exception as exc:  # as strawberry: the error as it is, not masked
            return self._finish(schema, ctx, PreExecutionError(
                data=None, errors=[as_graphql_error(exc)]))
        if isinstance(result, PreExecutionError):
            return result
        ctx.result = result
        self.mask._process_result(result)
        if result.errors:
            ctx.pre_execution_errors = result.errors
        return ExecutionResult(data=result.data, errors=result.errors, extensions={})

    async def _run(self, schema: strawberry.Schema, ctx: ExecutionContext,
                   document: DocumentNode | None) -> GraphQLExecutionResult | PreExecutionError:
        if not ctx.query and document is None:
            raise MissingQueryError
        if document is None:
            assert ctx.query  # checked just above
            document = self.parsed(ctx.query)
        ctx.graphql_document = document
        try:
            operation_type = ctx.operation_type
        except RuntimeError as error:
            raise CannotGetOperationTypeError(ctx.operation_name) from error
        if operation_type not in ctx.allowed_operations:
            raise InvalidOperationTypeError(operation_type)
        ctx.pre_execution_errors = self.validated(
            schema._schema, ctx.graphql_document, ctx.validation_rules)
        if ctx.pre_execution_errors:
            return self.masked(schema, ctx, PreExecutionError(
                data=None, errors=ctx.pre_execution_errors))
        result = graphql_execute(
            schema._schema, ctx.graphql_document, root_value=ctx.root_value,
            variable_values=ctx.variables, operation_name=ctx.operation_name,
            context_value=ctx.context,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            # strawberry passed an empty MiddlewareManager: no extension has `resolve`.
            executor_class=schema.execution_context_class,
            operation_extensions=ctx.operation_extensions)
        if isawaitable(result):
            result = await result
        if result.errors:
            # Logged before they are masked, as strawberry does.
            schema._process_errors(result.errors, ctx)
        return result

    def parsed(self, query: str) -> DocumentNode:
        """The document, parsed once (LRU) with the token limit; raises its GraphQLError."""
        return self.parse(query, max_tokens=self.max_tokens)

    def masked(self, schema: strawberry.Schema, ctx: ExecutionContext, result: R) -> R:
        """`_finish`, then MaskErrors' result hook: what a client gets of a
        result refused before execution, or of a subscription's event."""
        self._finish(schema, ctx, result)
        self.mask._process_result(result)
        return result

    @staticmethod
    def _finish(schema: strawberry.Schema, ctx: ExecutionContext, result: R) -> R:
        """strawberry's `_handle_execution_result` for a strawberry result (one
        refused before execution, or a subscription's event): errors logged,
        no extension results (none of ours has any)."""
        if result.errors:
            ctx.pre_execution_errors = result.errors
            schema._process_errors(result.errors, ctx)
        result.extensions = dict(ctx.extensions_results)
        ctx.result = result
        return result
