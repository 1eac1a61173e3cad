"""Abusive documents are refused before they run, with a clear error; internal
errors reach clients masked, with the request's correlation id, and the log
keeps the traceback; production hides the schema."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest

from infra.observability import JsonFormatter
from projections.queries import organisations as organisation_queries
from tests.hardening.conftest import NEW_TYPE, Serve
from tests.hardening.support import LabelWriter

NOBODY = "00000000-0000-0000-0000-000000000001"
LEDGER_PAGE = "query($n: Int) { ledger(first: $n) { nodes { position } pageInfo { hasNextPage } } }"


def deep(levels: int) -> str:
    """A query `levels` fields deep: startup → solutions → nodes → startup → ..."""
    cycle = ("solutions", "nodes", "startup")
    fields = [f'startup(id: "{NOBODY}")'] + [cycle[i % 3] for i in range(levels - 1)]
    return "{ " + " { ".join(fields) + " { id" + " }" * len(fields) + " }"


def aliased(count: int) -> str:
    return "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(count)) + " }"


def messages(body: dict[str, Any]) -> list[str]:
    return [e["message"] for e in body.get("errors", [])]


async def test_a_query_deeper_than_the_limit_is_refused_before_it_runs(serve: Serve) -> None:
    async with serve() as client:
        at_limit = await client.query(deep(12), accept=NEW_TYPE)
        beyond = await client.query(deep(13), accept=NEW_TYPE)
    assert at_limit.status_code == 200 and at_limit.json() == {"data": {"startup": None}}
    assert beyond.status_code == 422
    assert messages(beyond.json()) == ["'anonymous' exceeds maximum operation depth of 12"]


async def test_the_depth_limit_is_a_setting(serve: Serve) -> None:
    async with serve(max_depth=3) as client:
        response = await client.query(deep(4))
    assert messages(response.json()) == ["'anonymous' exceeds maximum operation depth of 3"]


async def test_more_aliases_than_the_limit_are_refused_even_through_fragments(
    serve: Serve,
) -> None:
    spread = ("query { ...F ...F } fragment F on Query { "
              + " ".join(f"a{i}: viewer {{ role }}" for i in range(16)) + " }")
    async with serve() as client:
        at_limit = await client.query(aliased(30))
        beyond = await client.query(aliased(31))
        through_fragments = await client.query(spread)
    assert len(at_limit.json()["data"]) == 30
    assert messages(beyond.json()) == ["31 aliases found. Allowed: 30"]
    assert messages(through_fragments.json()) == ["32 aliases found. Allowed: 30"]


async def test_a_document_with_more_tokens_than_the_limit_is_refused_unparsed(
    serve: Serve,
) -> None:
    many = "{ " + "viewer { role } " * 1300 + "}"  # 4 tokens each: 5,202 tokens
    async with serve() as client:
        response = await client.query(many)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "more than 5000 tokens" in error["message"]


async def test_first_above_100_is_capped_and_below_1_refused(serve: Serve) -> None:
    auditor = ("aud", "auditor")
    async with serve() as client:
        startup = await client.register_startup("founder", 1)
        writer = LabelWriter(client.app.state.runtime.database_url)
        try:
            await writer.append_async(startup, 120)
        finally:
            writer.close()
        capped = await client.data(LEDGER_PAGE, {"n": 1000}, as_user=auditor)
        zero = await client.query(LEDGER_PAGE, {"n": 0}, as_user=auditor)
        negative = await client.query("{ startups(first: -5) { totalCount } }")
    assert len(capped["ledger"]["nodes"]) == 100
    assert capped["ledger"]["pageInfo"]["hasNextPage"] is True
    for refused in (zero, negative):
        [error] = refused.json()["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["message"] == "`first` must be at least 1"


@pytest.fixture
def json_logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The process's JSON log format (`configure_logging`) on the root logger, into
    a buffer; returns a function that reads (and empties) the lines written so far."""
    root = logging.getLogger()
    level = root.level
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def read() -> list[dict[str, Any]]:
        lines = buffer.getvalue().splitlines()
        buffer.seek(0)
        buffer.truncate()
        return [orjson.loads(line) for line in lines]

    try:
        yield read
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_an_internal_error_is_masked_with_the_correlation_id_and_logged_with_its_traceback(
    serve: Serve, monkeypatch: pytest.MonkeyPatch,
    json_logs: Callable[[], list[dict[str, Any]]],
) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret detail: the disk is on fire")

    monkeypatch.setattr(organisation_queries, "list_startups", broken)
    async with serve() as client:
        response = await client.query("query Listing { startups { totalCount } }",
                                      headers={"x-request-id": "req-4242"})
    body = response.json()
    assert response.status_code == 200  # the error is a field's: `data` is present
    assert body["data"] is None
    assert body["errors"] == [{
        "message": "Unexpected error.", "locations": [{"line": 1, "column": 17}],
        "path": ["startups"],
        "extensions": {"code": "INTERNAL_SERVER_ERROR", "correlationId": "req-4242"}}]
    assert "disk is on fire" not in response.text and "Traceback" not in response.text
    logged = [line for line in json_logs() if "traceback" in line]
    assert len(logged) == 1
    assert "RuntimeError: secret detail: the disk is on fire" in logged[0]["traceback"]
    assert logged[0]["correlation_id"] == "req-4242"


async def test_each_request_writes_one_json_log_line(
    serve: Serve, json_logs: Callable[[], list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("boom")

    async with serve(access_log=True) as client:
        json_logs()
        await client.query("query Who { viewer { role } }", as_user=("ann", "startup"),
                           headers={"x-request-id": "req-1"})
        await client.query("{ viewer { nope } }", headers={"x-request-id": "req-2"},
                           accept=NEW_TYPE)
        monkeypatch.setattr(organisation_queries, "list_startups", broken)
        await client.query("query Broken { startups { totalCount } }",
                           headers={"x-request-id": "req-3"})
        await client.post(b"{", headers={"x-request-id": "req-4"})
        lines = [line for line in json_logs() if line["logger"] == "passerelle.request"]
    assert [line["correlation_id"] for line in lines] == ["req-1", "req-2", "req-3", "req-4"]
    who, invalid, broken_line, not_json = lines
    assert {k: who[k] for k in ("message", "method", "path", "status", "operation", "viewer",
                                "outcome", "level")} == {
        "message": "request", "method": "POST", "path": "/graphql", "status": 200,
        "operation": "Who", "viewer": "STARTUP:ann", "outcome": "ok", "level": "INFO"}
    assert isinstance(who["duration_ms"], float) and who["duration_ms"] >= 0
    assert (invalid["status"], invalid["outcome"], invalid["viewer"]) == (
        422, "refused", "VISITOR:None")
    assert (broken_line["operation"], broken_line["outcome"]) == ("Broken", "error")
    assert (not_json["status"], not_json["outcome"]) == (400, "refused")


async def test_field_suggestions_are_given_in_development_and_stripped_in_production(
    serve: Serve,
) -> None:
    async with serve() as client:
        development = await client.query("{ startupz { totalCount } }")
    async with serve(env="production") as client:
        production = await client.query("{ startupz { totalCount } }")
    assert "Did you mean" in messages(development.json())[0]
    assert messages(production.json()) == ["Cannot query field 'startupz' on type 'Query'."]


async def test_introspection_is_on_in_development(serve: Serve) -> None:
    async with serve() as client:
        response = await client.query("{ __schema { queryType { name } } }")
    assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_introspection_is_off_in_production_unless_enabled_explicitly(
    serve: Serve,
) -> None:
    introspect = "{ __schema { queryType { name } } }"
    async with serve(env="production") as client:
        refused = await client.query(introspect, accept=NEW_TYPE)
        by_type = await client.query('{ __type(name: "Startup") { name } }', accept=NEW_TYPE)
        typename = await client.query("{ __typename }")
    async with serve(env="production", introspection=True) as client:
        enabled = await client.query(introspect)
    assert refused.status_code == 422 and by_type.status_code == 422
    assert "introspection" in messages(refused.json())[0].lower()
    assert typename.json() == {"data": {"__typename": "Query"}}
    assert enabled.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_every_read_runs_under_a_statement_timeout(serve: Serve) -> None:
    async with serve() as client:
        pool = client.endpoint.pool
        connections = [await pool.acquire() for _ in range(3)]  # not one lucky connection
        try:
            timeouts = {await c.fetchval("SHOW statement_timeout") for c in connections}
        finally:
            for conn in connections:
                await pool.release(conn)
    assert timeouts == {"15s"}
