"""GraphQL over HTTP, following the GraphQL-over-HTTP specification:
`application/graphql-response+json` (and legacy `application/json`), 400 for
unparsable JSON or documents, 422 for validation errors under the new media
type, 405 for a mutation over GET, 2xx whenever `data` is present; bounded
bodies and batches; automatic persisted queries and the production allow-list."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
import strawberry
from graphql import DocumentNode, GraphQLError, OperationType
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.http.ides import get_graphql_ide_html

from infra.observability import CORRELATION_ID, OPERATION_NAMES, OPERATIONS
from schema.cache import ResponseCache
from schema.documents import DocumentError, contains_nul, parsed_operation
from schema.observability import labelled
from schema.persisted import PersistedQueries, PersistedQueryError

NEW_TYPE = "application/graphql-response+json"
LEGACY_TYPE = "application/json"
MASKED = "Unexpected error."
# verify recomputes from the stored rows: tampering does not move the projected position.
NEVER_CACHED = re.compile(r"\bverify\b")
SUGGESTION = re.compile(r" Did you mean .*\?$")
# The database cannot be reached (stopped, restarting, network): the request may
# succeed if retried, so it is a 503 with Retry-After, not an internal error.
DATABASE_DOWN: tuple[type[BaseException], ...] = (
    OSError, TimeoutError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
)
UNAVAILABLE = "The database is unavailable; retry shortly"
NUL_ESCAPE, NUL_ESCAPE_TEXT = b"\\u0000", "\\u0000"

log = logging.getLogger("passerelle.http")


class HttpError(Exception):
    """A request-level refusal: no GraphQL execution happened."""

    def __init__(self, status: int, message: str, code: str = "BAD_REQUEST",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.headers = status, code, headers or {}


@dataclass(frozen=True)
class HttpLimits:
    max_body_bytes: int = 1_000_000
    max_batch: int = 10
    suggestions: bool = True
    graphiql: bool = True
    max_tokens: int = 5000
    response_cache: bool = True


def response_type(accept: str | None) -> str:
    """The media type to answer with, from the Accept header."""
    if not accept or "*/*" in accept or "application/*" in accept:
        return LEGACY_TYPE if not accept or NEW_TYPE not in accept else NEW_TYPE
    if NEW_TYPE in accept:
        return NEW_TYPE
    if LEGACY_TYPE in accept:
        return LEGACY_TYPE
    raise HttpError(406, f"Accept {NEW_TYPE} or {LEGACY_TYPE}", "NOT_ACCEPTABLE")


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HttpError(413, f"Request body larger than {limit} bytes", "PAYLOAD_TOO_LARGE")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HttpError(413, f"Request body larger than {limit} bytes", "PAYLOAD_TOO_LARGE")
    return bytes(body)


def _json_param(value: str | None, name: str) -> Any:
    if value is None:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        raise HttpError(400, f"`{name}` is not valid JSON") from None


def may_hold_nul(json_text: str | bytes | None) -> bool:
    """Whether a value decoded from this JSON text can hold U+0000 in a string
    (key or value): JSON writes it only as \\u0000 (a raw control character is
    invalid JSON), so without that escape `contains_nul` need not walk the value."""
    if json_text is None:
        return False
    if isinstance(json_text, bytes):
        return NUL_ESCAPE in json_text
    return NUL_ESCAPE_TEXT in json_text


async def operations_of(request: Request, limits: HttpLimits,
                        ) -> tuple[list[dict[str, Any]], bool, bool]:
    """The requested operations, whether the body was a batch, and whether
    their variables may hold U+0000 (`may_hold_nul`)."""
    if request.method == "GET":
        p = request.query_params
        op = {"query": p.get("query"), "operationName": p.get("operationName"),
              "variables": _json_param(p.get("variables"), "variables"),
              "extensions": _json_param(p.get("extensions"), "extensions")}
        return [op], False, may_hold_nul(p.get("variables"))
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != LEGACY_TYPE:
        raise HttpError(415, "POST a JSON body (Content-Type: application/json)",
                        "UNSUPPORTED_MEDIA_TYPE")
    raw = await read_body(request, limits.max_body_bytes)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise HttpError(400, "The body is not valid JSON") from None
    if isinstance(body, list):
        if not body or len(body) > limits.max_batch:
            raise HttpError(400, f"A batch holds 1 to {limits.max_batch} operations")
        return body, True, may_hold_nul(raw)
    return [body], False, may_hold_nul(raw)


def _checked(op: Any, nul: bool = True,
             ) -> tuple[str | None, dict[str, Any] | None, str | None, str | None]:
    """The operation's parts, checked; `nul`: its variables may hold U+0000."""
    if not isinstance(op, dict):
        raise HttpError(400, "Each operation is a JSON object")
    query, variables, name = op.get("query"), op.get("variables"), op.get("operationName")
    extensions = op.get("extensions") or {}
    if query is not None and not isinstance(query, str):
        raise HttpError(400, "`query` must be a string")
    if variables is not None and not isinstance(variables, dict):
        raise HttpError(400, "`variables` must be an object")
    if nul and contains_nul(variables):
        raise HttpError(400, "Strings may not contain the NUL character (U+0000)")
    if name is not None and not isinstance(name, str):
        raise HttpError(400, "`operationName` must be a string")
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    sha = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    return query, variables, name, sha if isinstance(sha, str) else None


class GraphQLHttp:
    """The /graphql HTTP endpoint (WebSocket stays with strawberry's view)."""

    def __init__(self, schema: strawberry.Schema, limits: HttpLimits) -> None:
        self.schema = schema
        self.limits = limits
        self.persisted: PersistedQueries | None = None  # set when the runtime starts
        self.pool: Any = None  # the read pool, set when the runtime starts
        self.cache: ResponseCache | None = ResponseCache() if limits.response_cache else None
        self.make_context: Any = None  # (request) -> Context, set with the runtime
        # The document parsed here is handed to execution when the schema would
        # have parsed it with the same token limit (the same node, then).
        pipeline = getattr(schema, "pipeline", None)
        self.reuse_documents = pipeline is not None and pipeline.max_tokens == limits.max_tokens

    async def handle(self, request: Request) -> Response:
        if request.method == "GET" and self._wants_ide(request):
            return HTMLResponse(get_graphql_ide_html("graphiql"))
        correlation = request.scope.get("passerelle.correlation_id")
        token = CORRELATION_ID.set(correlation)
        try:
            return await self._handle(request)
        except DATABASE_DOWN as exc:
            log.warning("database unavailable: %r", exc)
            return _error_response(_unavailable(), _media_or_legacy(request))
        except Exception:
            # Never a bare 500 page: masked, with the id the traceback is logged under.
            log.exception("request failed")
            request.scope["passerelle.outcome"] = "error"
            body = {"errors": [{"message": MASKED, "extensions": {
                "code": "INTERNAL_SERVER_ERROR", "correlationId": correlation}}]}
            return _json(body, 500, _media_or_legacy(request))
        finally:
            CORRELATION_ID.reset(token)

    async def _handle(self, request: Request) -> Response:
        media = LEGACY_TYPE  # for a 406: the client accepts neither type
        try:
            media = response_type(request.headers.get("accept"))
            operations, batch, nul = await operations_of(request, self.limits)
            results = [await self._one(request, op, media, nul) for op in operations]
        except HttpError as exc:
            return _error_response(exc, media)
        request.scope["passerelle.outcome"] = _outcome([body for _, body in results])
        if batch:
            return _json([r[1] for r in results], 200, media)
        status, body = results[0]
        return _json(body, status, media)

    def _wants_ide(self, request: Request) -> bool:
        accept = request.headers.get("accept", "")
        return self.limits.graphiql and "query" not in request.query_params and "text/html" in accept

    async def _one(self, request: Request, op: Any, media: str,
                   nul: bool = True) -> tuple[int, dict[str, Any]]:
        query, variables, name, sha = _checked(op, nul)
        try:
            assert self.persisted is not None
            document = await self.persisted.resolve(query, sha)
        except PersistedQueryError as exc:
            status = 400 if exc.code == "BAD_REQUEST" else 200
            return status, {"errors": [{"message": str(exc), "extensions": {"code": exc.code}}]}
        if not document:
            raise HttpError(400, "No `query` in the request")
        try:
            kind, label, node = parsed_operation(document, name, self.limits.max_tokens)
        except DocumentError as exc:
            return 400, {"errors": [{"message": str(exc), "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}]}
        if request.method == "GET" and kind is not OperationType.QUERY:
            raise HttpError(405, "Only queries may be sent with GET; POST mutations",
                            "METHOD_NOT_ALLOWED", {"Allow": "POST"})
        label = label or "anonymous"
        request.scope["passerelle.operation"] = label
        started = time.perf_counter()
        try:
            if kind is OperationType.QUERY and self.cache is not None \
                    and not NEVER_CACHED.search(document):
                status, body = await self._cached(request, document, variables, name, media, node)
            else:
                status, body = await self._execute(request, document, variables, name, media, node)
        finally:
            labelled(OPERATIONS, OPERATION_NAMES(label), kind.value).observe(
                time.perf_counter() - started)
        if sha is not None and query is not None and "data" in body:
            await self.persisted.learn(document)  # it parsed and validated: worth keeping
        return status, body

    async def _cached(self, request: Request, document: str, variables: dict[str, Any] | None,
                      name: str | None, media: str,
                      node: DocumentNode | None = None) -> tuple[int, dict[str, Any]]:
        """Queries answer from the cache while the projected position is unchanged."""
        assert self.cache is not None and self.pool is not None
        key = self.cache.key(document, variables, name, request.scope.get("passerelle.actor"))
        position = await self.cache.position(self.pool)
        body = self.cache.get(key, position)
        if body is not None:
            return 200, body
        status, body = await self._execute(request, document, variables, name, media, node)
        if status == 200 and "errors" not in body:
            self.cache.put(key, position, body)
        return status, body

    async def _execute(self, request: Request, document: str, variables: dict[str, Any] | None,
                       name: str | None, media: str,
                       node: DocumentNode | None = None) -> tuple[int, dict[str, Any]]:
        context = self.make_context(request)
        if node is not None and self.reuse_documents:
            result = await self.schema.execute(  # type: ignore[call-arg]
                document, variable_values=variables, context_value=context,
                operation_name=name, document=node)
        else:
            result = await self.schema.execute(
                document, variable_values=variables, context_value=context, operation_name=name)
        body: dict[str, Any] = {}
        if result.errors:
            correlation = request.scope.get("passerelle.correlation_id")
            body["errors"] = [self._format(e, correlation) for e in result.errors]
        if result.data is None and result.errors and all(not e.path for e in result.errors):
            # Refused before execution (validation, limits): no `data` at all.
            return (422 if media == NEW_TYPE else 200), body
        body["data"] = result.data
        if result.extensions:
            body["extensions"] = result.extensions
        refused = [e["message"] for e in body.get("errors", ())
                   if (e.get("extensions") or {}).get("code") == "SERVICE_UNAVAILABLE"]
        if refused:  # a command the database could not complete: its advice kept
            raise _unavailable(refused[0])
        if any(e["message"] == MASKED for e in body.get("errors", ())) and await self._down():
            raise _unavailable()
        return 200, body

    async def _down(self) -> bool:
        """After an internal error: was it the database being unreachable?"""
        try:
            await self.pool.fetchval("SELECT 1", timeout=1)
        except DATABASE_DOWN:
            return True
        return False

    def _format(self, error: GraphQLError, correlation: str | None) -> dict[str, Any]:
        formatted: dict[str, Any] = dict(error.formatted)
        if formatted["message"] == MASKED:
            # The traceback went to the log under this id; the client gets only the id.
            formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "correlationId": correlation}
        elif not self.limits.suggestions:
            formatted["message"] = SUGGESTION.sub("", formatted["message"])
        return formatted


def _unavailable(message: str = UNAVAILABLE) -> HttpError:
    return HttpError(503, message, "SERVICE_UNAVAILABLE", {"Retry-After": "1"})


def _media_or_legacy(request: Request) -> str:
    try:
        return response_type(request.headers.get("accept"))
    except HttpError:
        return LEGACY_TYPE


def _outcome(bodies: list[dict[str, Any]]) -> str:
    """For the request log: "error" when an internal error was masked, "errors"
    when GraphQL reported errors (rules, validation), else "ok"."""
    errors = [e for body in bodies for e in body.get("errors") or ()]
    if any(e.get("message") == MASKED for e in errors):
        return "error"
    return "errors" if errors else "ok"


def _json(body: Any, status: int, media: str) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=media)


def _error_response(exc: HttpError, media: str) -> Response:
    body = {"errors": [{"message": str(exc), "extensions": {"code": exc.code}}]}
    return Response(orjson.dumps(body), status_code=exc.status, media_type=media,
                    headers=exc.headers)
