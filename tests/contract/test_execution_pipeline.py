"""`execute` of the served schema (schema/pipeline.py, without strawberry's
extension machinery) gives what strawberry's own `Schema.execute` with the same
extensions gives: data, errors as clients see them (masked or not, locations,
paths, codes), extensions, the errors logged, and the exceptions raised."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
import strawberry.schema.schema as strawberry_schema
from graphql import GraphQLError, ValidationRule, parse
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType
from strawberry.utils.logging import StrawberryLogger

from schema.app import build_schema
from schema.pipeline import ValidationCache
from tests.contract.toy import internal_field, public_field, seen


@strawberry.input
class Wish:
    text: str
    times: int = 1
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.type
class Nested:
    @strawberry.field
    def deeper(self) -> Nested:
        return Nested()

    @strawberry.field
    def leaf(self) -> int:
        return 1


@strawberry.type
class Query:
    @strawberry.field
    def hello(self, name: str = "world") -> str:
        return f"hello {name}"

    public: str | None = public_field()
    internal: str | None = internal_field()

    @strawberry.field
    def nested(self) -> Nested:
        return Nested()

    @strawberry.field
    async def later(self, n: int) -> int:
        return n * 2


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def wish(self, input: Wish) -> str:
        return f"{input.text}*{input.times} {input.tags}"

    @strawberry.mutation
    def broken(self) -> str:
        raise RuntimeError("disk on fire")


def served() -> strawberry.Schema:
    return build_schema((Query,), (Mutation,), limits={"depth": 4, "aliases": 3, "tokens": 60})


CASES: list[tuple[str, dict[str, Any] | None, str | None]] = [
    ("{ hello }", None, None),
    ('query Q { hello(name: "x") later(n: 21) }', None, "Q"),
    ("{ nope }", None, None),  # validation: unknown field, with a suggestion
    ("{ hello public internal }", None, None),  # public error kept, internal masked
    ("{ nested { deeper { deeper { deeper { deeper { leaf } } } } } }", None, None),  # depth
    ("{ a: hello b: hello c: hello d: hello }", None, None),  # aliases
    ("{ " + "hello " * 70 + "}", None, None),  # tokens
    ("{ hello", None, None),  # syntax
    ("query($n: Int!) { later(n: $n) }", {"n": "x"}, None),  # variable coercion
    ("query($n: Int!) { later(n: $n) }", None, None),  # missing variable
    ('mutation { wish(input: {text: "t", tags: ["a"]}) }', None, None),
    ("mutation($w: Wish!) { wish(input: $w) }", {"w": {"text": "v", "times": 3}}, None),
    ("mutation { broken }", None, None),  # internal, masked, with path
    ("query A { hello } query B { later(n: 1) }", None, None),  # no name: the first
    ("query A { hello } query B { later(n: 1) }", None, "B"),
]



async def _both(monkeypatch: pytest.MonkeyPatch, query: str, variables: dict[str, Any] | None,
                name: str | None, **kwargs: Any) -> tuple[Any, Any]:
    logged: list[str] = []
    monkeypatch.setattr(StrawberryLogger, "error",
                        classmethod(lambda cls, error, *_: logged.append(str(error))))
    schema = served()
    outcomes = []
    for run in (strawberry.Schema.execute, type(schema).execute):
        logged.clear()
        result = await run(schema, query, variables, operation_name=name, **kwargs)
        outcomes.append((seen(result), list(logged)))
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize(("query", "variables", "name"), CASES)
async def test_same_outcome_as_strawberry(monkeypatch: pytest.MonkeyPatch, query: str,
                                          variables: dict[str, Any] | None,
                                          name: str | None) -> None:
    theirs, ours = await _both(monkeypatch, query, variables, name)
    assert ours == theirs


async def test_the_cases_cover_masking_logging_and_refusals(
        monkeypatch: pytest.MonkeyPatch) -> None:
    (_, errors, _, kind), logged = (await _both(monkeypatch, "mutation { broken }", None,
                                                   None))[1]
    assert errors[0]["message"] == "Unexpected error." and errors[0]["path"] == ["broken"]
    assert len(logged) == 1 and logged[0].startswith("disk on fire")
    (_, errors, _, kind), logged = (await _both(monkeypatch, "{ nope }", None, None))[1]
    assert kind == "PreExecutionError" and "nope" in errors[0]["message"] and logged == []


@pytest.mark.parametrize(("query", "name", "allowed", "raised"), [
    ("{ hello }", "Missing", None, CannotGetOperationTypeError),
    ("mutation { broken }", None, {OperationType.QUERY}, InvalidOperationTypeError),
])
async def test_same_exceptions_as_strawberry(query: str, name: str | None, allowed: Any,
                                             raised: type[Exception]) -> None:
    schema = served()
    for run in (strawberry.Schema.execute, type(schema).execute):
        with pytest.raises(raised):
            await run(schema, query, operation_name=name, allowed_operation_types=allowed)


@pytest.mark.parametrize(("query", "variables", "name"), CASES[:6] + CASES[8:])
async def test_a_document_parsed_beforehand_gives_the_same_outcome(
        query: str, variables: dict[str, Any] | None, name: str | None) -> None:
    schema = served()
    plain = await schema.execute(query, variables, operation_name=name)
    parsed = await schema.execute(query, variables, operation_name=name,  # type: ignore[call-arg]
                                  document=parse(query, max_tokens=60))
    assert seen(parsed) == seen(plain)


async def test_a_repeated_document_is_parsed_and_validated_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    validations: list[Any] = []
    real = strawberry_schema.validate

    def counted(*args: Any) -> Any:
        validations.append(args)
        return real(*args)

    monkeypatch.setattr(strawberry_schema, "validate", counted)
    schema = served()
    document = "query PipelineCacheProbe { hello }"
    assert (await schema.execute(document)).errors is None
    assert len(validations) == 1
    parses = schema.pipeline.parse.cache_info().hits  # type: ignore[attr-defined]
    assert (await schema.execute(document)).errors is None
    assert len(validations) == 1
    assert schema.pipeline.parse.cache_info().hits == parses + 1  # type: ignore[attr-defined]
    # An equal document parsed elsewhere (another node) is validated on its own
    # (`document=` is the served schema's own; served() is typed as strawberry.Schema).
    parsed = parse(document)
    assert (await schema.execute(document, document=parsed)).errors is None  # type: ignore[call-arg]
    assert len(validations) == 2


def test_the_validation_cache_is_bounded_and_keeps_its_nodes() -> None:
    cache = ValidationCache(2)
    schema = served()._schema
    rules = served().pipeline.rules  # type: ignore[attr-defined]
    nodes = [parse("{ hello }"), parse("{ nope }"), parse("{ later(n: 1) }")]
    assert [len(cache(schema, node, rules)) for node in nodes] == [0, 1, 0]
    assert [entry[0] for entry in cache.entries.values()] == nodes[1:]
    first = cache(schema, nodes[1], rules)
    assert cache(schema, nodes[1], rules) is first
    assert len(cache(schema, nodes[1], (*rules, _Refuse))) == 2  # other rules: validated
    assert len(cache(served()._schema, nodes[1], rules)) == 1  # another schema: validated
    assert cache(schema, nodes[1], rules) is not first


class _Refuse(ValidationRule):
    def enter_document(self, node: Any, *_: Any) -> None:
        self.report_error(GraphQLError("refused"))
