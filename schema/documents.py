"""Parsing GraphQL documents once (LRU) to route them before execution."""

from __future__ import annotations

from functools import lru_cache

from graphql import DocumentNode, GraphQLSyntaxError, OperationDefinitionNode, OperationType, parse


class DocumentError(Exception):
    """The document does not parse, or names no runnable operation."""


@lru_cache(maxsize=2048)
def _parse(document: str, max_tokens: int) -> DocumentNode:
    return parse(document, max_tokens=max_tokens)


def operation_type(document: str, name: str | None, max_tokens: int = 5000) -> OperationType:
    """The type (query, mutation, subscription) of the operation to run."""
    return operation_of(document, name, max_tokens)[0]


def operation_of(document: str, name: str | None,
                 max_tokens: int = 5000) -> tuple[OperationType, str | None]:
    """The type and the name (None when anonymous) of the operation to run."""
    try:
        node = _parse(document, max_tokens)
    except GraphQLSyntaxError as exc:
        raise DocumentError(exc.message) from None
    operations = [d for d in node.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        operations = [o for o in operations if o.name and o.name.value == name]
    if len(operations) != 1:
        raise DocumentError("Name one operation of the document with `operationName`"
                            if name is None else f"No operation named {name}")
    operation = operations[0]
    return operation.operation, operation.name.value if operation.name else None
