"""The served schema parses and validates a document once, not per request
(strawberry's ParserCache and ValidationCache must hit: validation is most of
the CPU a small query costs)."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema

from server import schema_for
from wiring.slices import all_slices


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every call of graphql-core's `validate` from now on."""
    calls: list[Any] = []
    real = strawberry_schema.validate

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate", counting)
    return calls


def test_a_repeated_query_is_validated_only_once(validations: list[Any]) -> None:
    schema = schema_for(all_slices())
    document = "query CacheProbe { __typename }"
    assert schema.execute_sync(document).errors is None
    validations.clear()
    assert schema.execute_sync(document).errors is None
    assert validations == []

