"""Every input type of the served schema is built by its planned `from_input`
(schema/inputs.py) into the same object strawberry's own conversion builds:
same class, same field values and types, lists copied the same way, with all
fields given, only the required ones, or explicit nulls."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    coerce_input_value,
)
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryObjectDefinition

from schema.inputs import InputPlan, compile_inputs
from server import schema_for
from wiring.slices import all_slices

SCALARS = {"String": "text", "ID": "5f0c6a52-41a3-4b61-9d3e-0d6c7e1f2a3b", "Int": 3,
           "Boolean": True, "Float": 1.5, "Decimal": "12.50",
           "DateTime": "2024-01-02T03:04:05+00:00", "Date": "2024-01-02", "UUID":
           "5f0c6a52-41a3-4b61-9d3e-0d6c7e1f2a3b", "JSON": {"a": [1]}}


def _sample(type_: GraphQLInputType, mode: str, depth: int = 0) -> Any:
    """A JSON value of `type_`: every field ("all"), required ones ("required"),
    or nulls wherever allowed ("nulls")."""
    if isinstance(type_, GraphQLNonNull):
        return _sample(type_.of_type, mode if mode != "nulls" else "all", depth)
    if mode == "nulls" and depth > 0:
        return None
    if isinstance(type_, GraphQLList):
        return [_sample(type_.of_type, mode, depth + 1) for _ in range(2)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLScalarType):
        return SCALARS[type_.name]
    assert isinstance(type_, GraphQLInputObjectType)
    return {name: _sample(field.type, mode, depth + 1) for name, field in type_.fields.items()
            if mode != "required" or isinstance(field.type, GraphQLNonNull)}


def _lists(value: Any) -> set[int]:
    """Ids of the lists inside a coerced GraphQL value."""
    if isinstance(value, list):
        return {id(value)}.union(*(_lists(v) for v in value))
    if isinstance(value, dict):
        return set().union(*(_lists(v) for v in value.values()))
    return set()


def _shape(value: Any, sources: set[int]) -> Any:
    """Types and values, and whether each list is one of the source's own."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value), {f.name: _shape(getattr(value, f.name), sources)
                              for f in dataclasses.fields(value)})
    if isinstance(value, list):
        return ("list", id(value) in sources, [_shape(v, sources) for v in value])
    return (type(value), value)


def _input_types(
    schema: strawberry.Schema,
) -> Iterator[tuple[type[Any], GraphQLInputObjectType]]:
    for name, entry in schema.schema_converter.type_map.items():
        definition = entry.definition
        if isinstance(definition, StrawberryObjectDefinition) and definition.is_input:
            graphql_type = schema._schema.get_type(name)
            assert isinstance(graphql_type, GraphQLInputObjectType)
            yield definition.origin, graphql_type


SCHEMA = schema_for(all_slices())
INPUTS = sorted(_input_types(SCHEMA), key=lambda pair: pair[1].name)


def _convert(cls: type, value: Any) -> Any:
    converter = SCHEMA.schema_converter
    return convert_argument(value, cls, converter.scalar_registry, SCHEMA.config)


def test_every_input_type_is_planned() -> None:
    compile_inputs(SCHEMA)
    assert len(INPUTS) > 20
    for cls, _ in INPUTS:
        assert isinstance(cls.__strawberry_definition__.from_input, InputPlan), cls


@pytest.mark.parametrize("mode", ["all", "required", "nulls"])
@pytest.mark.parametrize(("cls", "graphql_type"), INPUTS, ids=[t.name for _, t in INPUTS])
def test_planned_input_is_strawberrys(monkeypatch: pytest.MonkeyPatch, cls: type[Any],
                                      graphql_type: GraphQLInputObjectType, mode: str) -> None:
    compile_inputs(SCHEMA)
    value = coerce_input_value(_sample(graphql_type, mode), graphql_type)
    planned = _convert(cls, value)
    for other, _ in INPUTS:  # strawberry's own conversion, nested types included
        monkeypatch.setattr(other.__strawberry_definition__, "from_input", None)
    theirs = _convert(cls, value)
    assert type(planned) is cls
    assert _shape(planned, _lists(value)) == _shape(theirs, _lists(value))
