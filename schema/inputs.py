"""Input objects built from their GraphQL values by converters planned once per
input type, instead of strawberry's `convert_argument` walking each field's type
on every request (name conversion, type resolution and a dozen checks per field:
about 120 µs for `RegisterStartupInput`, 7 % of a mutation's CPU).

Strawberry calls a definition's `from_input` hook, when set, in place of its
field loop; the plans below make the same decisions the loop makes (same
defaults, same fields, same values: leaves as they are, lists of leaves copied,
nested inputs built the same way), and hand anything else back to
`convert_argument`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

import strawberry
from strawberry.relay.types import GlobalID
from strawberry.types.arguments import (
    InputContext,
    _is_leaf_type,
    _is_optional_leaf_type,
    convert_argument,
)
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.unset import UNSET

Convert = Callable[[Any, InputContext], Any]
FromInput = Callable[[type, Mapping[str, Any], InputContext], Any]


def compile_inputs(schema: strawberry.Schema) -> int:
    """Sets a planned `from_input` on every input type of `schema` that has
    none and no `Maybe` field (strawberry validates those differently for
    types with the hook). Returns how many were set."""
    planned = 0
    for entry in schema.schema_converter.type_map.values():
        definition = entry.definition
        if isinstance(definition, StrawberryObjectDefinition) and definition.is_input \
                and definition.from_input is None and not _has_maybe(definition):
            definition.from_input = InputPlan(schema, definition)
            planned += 1
    return planned


def _has_maybe(definition: StrawberryObjectDefinition) -> bool:
    return any(isinstance(f.resolve_type(type_definition=definition), StrawberryMaybe)
               for f in definition.fields)


class InputPlan:
    """`from_input` of one input type: its fields' GraphQL names, Python names
    and converters, worked out on first use (the types it nests may not have
    their own plan yet when the schema is walked)."""

    def __init__(self, schema: strawberry.Schema, definition: StrawberryObjectDefinition) -> None:
        self.schema = schema
        self.definition = definition
        self.plan: tuple[tuple[str, str, Convert], ...] | None = None
        # As strawberry: fields without a default start as None (graphql-core
        # has already refused a missing required field).
        self.unset = {f.python_name: None for f in definition.fields
                      if f.default_value is MISSING and f.default_factory is MISSING}

    def __call__(self, cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        plan = self.plan if self.plan is not None else self._plan()
        kwargs = dict(self.unset)
        for graphql_name, python_name, convert in plan:
            if graphql_name in value:
                kwargs[python_name] = convert(value[graphql_name], context)
        return cls(**kwargs)

    def _plan(self) -> tuple[tuple[str, str, Convert], ...]:
        names = self.schema.config.name_converter
        self.plan = tuple(
            (names.from_field(f), f.python_name,
             self._converter(f.resolve_type(type_definition=self.definition),
                             names.from_field(f)))
            for f in self.definition.fields)
        return self.plan

    def _converter(self, type_: Any, key: str) -> Convert:
        """The value's conversion, as `convert_argument` would decide it for `type_`."""
        registry = self.schema.schema_converter.scalar_registry
        if isinstance(type_, StrawberryOptional) and not isinstance(type_, StrawberryMaybe):
            return self._converter(type_.of_type, key)  # None and UNSET pass below
        if isinstance(type_, StrawberryList):
            item = type_.of_type
            if _is_leaf_type(item, registry, skip_classes=(GlobalID,)) \
                    or _is_optional_leaf_type(item, registry, skip_classes=(GlobalID,)):
                # Copied: graphql-core shares a default list between requests.
                return _copied_list
            return _list_of(self._converter(item, key))
        if _is_leaf_type(type_, registry) and type_ is not GlobalID:
            return _as_is
        if has_object_definition(type_) and isinstance(
                type_.__strawberry_definition__.from_input, InputPlan):
            return _nested(type_)
        return self._fallback(type_, key)

    def _fallback(self, type_: Any, key: str) -> Convert:
        registry, config = self.schema.schema_converter.scalar_registry, self.schema.config

        def convert(value: Any, context: InputContext) -> Any:
            return convert_argument(value, type_, registry, config, context.info,
                                    path=(*context.path, key))

        return convert


def _as_is(value: Any, _: InputContext) -> Any:
    return value


def _copied_list(value: Any, _: InputContext) -> Any:
    return value if value is None or value is UNSET else list(value)


def _list_of(item: Convert) -> Convert:
    def convert(value: Any, context: InputContext) -> Any:
        if value is None or value is UNSET:
            return value
        return [item(v, context) for v in value]

    return convert


def _nested(type_: Any) -> Convert:
    build: FromInput = type_.__strawberry_definition__.from_input

    def convert(value: Any, context: InputContext) -> Any:
        if value is None or value is UNSET:
            return value
        return build(type_, value, context)

    return convert
