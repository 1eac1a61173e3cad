"""The schema (roots merged) and the ASGI GraphQL app with its context."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
import strawberry
from graphql import DocumentNode, GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.logging import StrawberryLogger

from infra.live import LiveLimits
from schema.context import Context, Services, context_for
from schema.errors import PublicError
from schema.inputs import compile_inputs
from schema.live.handler import LiveHandler
from schema.live.shared import SharedEventExecution
from schema.pipeline import Pipeline
from schema.ratelimit import RateLimiter
from schema.subscribe import only, prepared, subscription_results


def _is_internal(error: Any) -> bool:
    """Mask everything but the errors meant for clients (and GraphQL's own)."""
    original = getattr(error, "original_error", None)
    return original is not None and not isinstance(original, PublicError)


class _MaskErrors(MaskErrors):
    """MaskErrors without its `isinstance` on a runtime-checkable Protocol, which
    costs tens of µs on every streamed result (each live entry, each subscriber)."""

    def _process_result(self, result: object) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]


def build_schema(
    query_roots: tuple[type, ...], mutation_roots: tuple[type, ...],
    subscription_roots: tuple[type, ...] = (), limits: dict[str, int] | None = None,
    *, introspection: bool = True,
) -> strawberry.Schema:
    """Merges the slices' roots into one schema with the abuse limits."""
    limits = {"depth": 12, "aliases": 30, "tokens": 5000, **(limits or {})}
    rules = [*QueryDepthLimiter(max_depth=limits["depth"]).validation_rules,
             *MaxAliasesLimiter(max_alias_count=limits["aliases"]).validation_rules,
             *([] if introspection else [NoSchemaIntrospectionCustomRule])]
    schema = _Schema(
        query=merge_types("Query", query_roots),
        mutation=merge_types("Mutation", mutation_roots),
        subscription=merge_types("Subscription", subscription_roots) if subscription_roots else None,
        execution_context_class=SharedEventExecution,
        # What operations over WebSocket go through (strawberry's `stream`);
        # `execute` does the same without them (schema/pipeline.py).
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=limits["tokens"]),
            # Limiter rules built once: fresh rule classes per request would make
            # every request miss ValidationCache (it is keyed by the rules).
            lambda: AddValidationRules(rules),
            lambda: ParserCache(maxsize=1024),
            lambda: ValidationCache(maxsize=1024),
            lambda: _MaskErrors(should_mask_error=_is_internal),
        ],
    )
    schema.pipeline = Pipeline(limits["tokens"], rules, _MaskErrors(should_mask_error=_is_internal))
    compile_inputs(schema)
    return schema


class _Schema(strawberry.Schema):
    """Logs only masked (internal) errors: a client's bad query is not our error.
    `execute` runs the extensions' work without their machinery (`Pipeline`), and
    so does `stream` for valid subscriptions."""

    pipeline: Pipeline | None = None

    async def execute(
        self, query: str | None, variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None, root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
        *, document: DocumentNode | None = None,
    ) -> ExecutionResult:
        """`document`: `query` already parsed with the schema's token limit."""
        if self.pipeline is None:
            return await super().execute(
                query, variable_values, context_value, root_value, operation_name,
                allowed_operation_types, operation_extensions)
        return await self.pipeline.execute(
            self, query, variable_values, context_value, root_value, operation_name,
            allowed_operation_types, operation_extensions, document)

    async def stream(
        self, query: str | None, variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None, root_value: Any | None = None,
        operation_name: str | None = None, operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> Any:
        """A valid subscription without the extensions' machinery (schema/subscribe.py),
        a document that does not parse refused with its error; anything else as
        strawberry streams it."""
        pipeline = self.pipeline
        # Read twice at most (here, then by strawberry): an iterator would not last.
        allowed = None if allowed_operation_types is None else tuple(allowed_operation_types)
        ready = None if pipeline is None else prepared(
            pipeline, self, query, variable_values, context_value, root_value,
            operation_name, allowed, operation_extensions)
        if pipeline is None or ready is None:
            return await super().stream(
                query, variable_values, context_value, root_value, operation_name,
                operation_extensions, allowed)
        if isinstance(ready, ExecutionResult):  # refused: the document does not parse
            return only(ready)
        return subscription_results(pipeline, self, ready)

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            if _is_internal(error):
                StrawberryLogger.error(error, execution_context)


class PasserelleGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app with our typed context (the viewer comes from the
    auth middleware, which has already refused invalid tokens, or from the
    `connection_init` payload over WebSocket: TokenInitHandler, extended by
    LiveHandler with the live subscription's shared frames)."""

    graphql_transport_ws_handler_class = LiveHandler

    def __init__(self, schema: strawberry.Schema, services: Services,
                 limiter: RateLimiter | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("max_subscriptions_per_connection",
                          LiveLimits.from_env().max_subscriptions_per_connection)
        super().__init__(
            schema, graphql_ide="graphiql",
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL], **kwargs,
        )
        self.services = services
        self.limiter = limiter  # counts tokens refused in `connection_init` (schema/auth.py)

    def encode_json(self, data: object) -> str:
        # orjson (live entries' shared frames are encoded the same way: see
        # schema/live/frames.py). A str: graphql-transport-ws uses text frames.
        return orjson.dumps(data).decode()

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        return context_for(self.services, request, response)
