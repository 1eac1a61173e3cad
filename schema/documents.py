"""Parsing GraphQL documents once (LRU) to route them before execution."""

from __future__ import annotations

from functools import lru_cache

from graphql import (
    BREAK,
    DocumentNode,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    Visitor,
    parse,
    visit,
)

# Larger documents are parsed every time: the LRU keeps each document's text, and
# 2,048 one-megabyte documents would hold two gigabytes.
CACHED_DOCUMENT_CHARS = 20_000
NUL = "\x00"


class DocumentError(Exception):
    """The document does not parse, or names no runnable operation."""


class _FindNul(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_: object) -> object:
        if NUL in node.value:
            self.found = True
            return BREAK
        return None


def _parsed(document: str, max_tokens: int) -> tuple[DocumentNode, bool]:
    node = parse(document, max_tokens=max_tokens)
    finder = _FindNul()
    visit(node, finder)
    return node, finder.found


_cached_parse = lru_cache(maxsize=2048)(_parsed)


def operation_type(document: str, name: str | None, max_tokens: int = 5000) -> OperationType:
    """The type (query, mutation, subscription) of the operation to run."""
    return operation_of(document, name, max_tokens)[0]


def operation_of(document: str, name: str | None,
                 max_tokens: int = 5000) -> tuple[OperationType, str | None]:
    """The type and the name (None when anonymous) of the operation to run."""
    kind, label, _ = parsed_operation(document, name, max_tokens)
    return kind, label


def parsed_operation(document: str, name: str | None, max_tokens: int = 5000,
                     ) -> tuple[OperationType, str | None, DocumentNode | None]:
    """`operation_of`, and the parsed document when it is the cached one: the
    same node for the same text, so execution need not parse it again and its
    validation cache (keyed by the node) hits. None for a larger document."""
    cached = len(document) <= CACHED_DOCUMENT_CHARS
    try:
        node, has_nul = (_cached_parse if cached else _parsed)(document, max_tokens)
    except GraphQLSyntaxError as exc:
        raise DocumentError(exc.message) from None
    if has_nul:
        # PostgreSQL text cannot hold U+0000: refuse it here rather than fail later.
        raise DocumentError("Strings may not contain the NUL character (U+0000)")
    operations = [d for d in node.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        operations = [o for o in operations if o.name and o.name.value == name]
    if len(operations) != 1:
        raise DocumentError("Name one operation of the document with `operationName`"
                            if name is None else f"No operation named {name}")
    operation = operations[0]
    return (operation.operation, operation.name.value if operation.name else None,
            node if cached else None)


def contains_nul(value: object) -> bool:
    """Whether a JSON value (variables) holds U+0000 in any string, key included."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False
