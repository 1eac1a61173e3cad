"""Shortcuts on the HTTP path that must not change an answer: variables are
walked for U+0000 only when their JSON text has the one escape that can hold
it; metric children are looked up once; `_plain` returns plain leaves at once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Counter
from starlette.requests import Request

from schema.documents import contains_nul
from schema.errors import _plain
from schema.http import HttpError, HttpLimits, _checked, may_hold_nul, operations_of
from schema.observability import labelled

TEXT = st.text(alphabet=st.sampled_from(["a", "\x00", "\\", "u", "0", "é", '"', "\n"]))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8)


@given(JSON)
def test_a_value_with_nul_always_has_the_escape_in_its_json(value: Any) -> None:
    for text in (orjson.dumps(value), json.dumps(value), json.dumps(value, ensure_ascii=False)):
        decoded = orjson.loads(text)
        assert decoded == value
        if contains_nul(decoded):
            assert may_hold_nul(text)


def test_the_escape_is_a_hint_not_a_verdict() -> None:
    assert may_hold_nul(b'{"a": "\\u0000"}') and may_hold_nul('{"a": "\\u0000"}')
    escaped_backslash = b'{"a": "\\\\u0000"}'  # a backslash, then "u0000": no NUL
    assert may_hold_nul(escaped_backslash) and not contains_nul(orjson.loads(escaped_backslash))
    assert not may_hold_nul(b'{"a": "x"}') and not may_hold_nul(None)


def _request(method: str, body: bytes = b"", query: bytes = b"") -> Request:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": method, "path": "/graphql", "query_string": query,
             "headers": [(b"content-type", b"application/json")]}
    return Request(scope, receive)


@pytest.mark.parametrize(("request_", "nul"), [
    (lambda: _request("POST", b'{"query": "{ a }", "variables": {"s": "x"}}'), False),
    (lambda: _request("POST", b'{"query": "{ a }", "variables": {"s": "x\\u0000"}}'), True),
    (lambda: _request("POST", b'[{"query": "{ a }", "variables": {"\\u0000": 1}}]'), True),
    (lambda: _request("GET", query=b"query=%7B+a+%7D&variables=%7B%22s%22%3A%22x%22%7D"), False),
    (lambda: _request("GET", query=b"query=%7B+a+%7D&variables=%7B%22s%22%3A%22%5Cu0000%22%7D"),
     True),
    (lambda: _request("GET", query=b"query=%7B+a+%7D"), False),
])
async def test_operations_say_whether_their_variables_may_hold_nul(request_: Any,
                                                                   nul: bool) -> None:
    operations, _, may = await operations_of(request_(), HttpLimits())
    assert may is nul
    variables = operations[0].get("variables")
    if variables is not None and contains_nul(variables):
        with pytest.raises(HttpError, match="NUL"):
            _checked(operations[0], may)


def test_metric_children_are_prometheus_own() -> None:
    metric = Counter("fast_path_probe", "probe", ["a", "b"], registry=CollectorRegistry())
    child = labelled(metric, "x", "y")
    assert child is labelled(metric, "x", "y") is metric.labels("x", "y")
    child.inc()
    assert metric.labels("x", "y")._value.get() == 1
    assert labelled(metric, "x", "z") is not child


class Shade(StrEnum):
    DARK = "DARK"


@pytest.mark.parametrize("leaf", ["s", 0, 1.5, True, Decimal("1.10"), date(2024, 1, 2),
                                  datetime(2024, 1, 2, tzinfo=UTC)])
def test_plain_leaves_are_returned_as_they_are(leaf: Any) -> None:
    assert _plain(leaf) is leaf
    assert _plain([leaf, Shade.DARK]) == [leaf, "DARK"]  # an enum of str is still its value
