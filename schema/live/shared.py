"""One live entry, many subscribers: the subscription event's GraphQL result is
computed once per document (and the variables its fields can depend on), then
reused by every subscriber of the same entry on this instance. graphql-core
would otherwise execute the same selection set on the same object 1,000 times."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import orjson
from graphql import ExecutionResult, OperationDefinitionNode, OperationType, Visitor, visit
from graphql.language import FieldNode, FragmentDefinitionNode, VariableNode
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from infra.live import LiveEntry
from schema.ledger import LedgerEntry, entry_type
from schema.live.parking import PARKED, ResultKey, release

SHARED_RESULTS = "_passerelle_shared_results"  # attribute of a shared event object


class SharedResult:
    """An event's result for one (document, relevant variables): its data, and
    the `payload` of the graphql-transport-ws `next` message, encoded on first use."""

    __slots__ = ("_payload", "data", "operation")

    def __init__(self, operation: OperationDefinitionNode, data: Any) -> None:
        self.operation = operation  # kept: the key holds its id, which must not be reused
        self.data = data
        self._payload: str | None = None

    def payload(self) -> str:
        """orjson of {"data": data}: what strawberry's `send_next` would build."""
        if self._payload is None:
            self._payload = orjson.dumps({"data": self.data}).decode()
        return self._payload


def shared_entry(live: LiveEntry) -> LedgerEntry:
    """The GraphQL object of a live entry, built once and carrying a result memo."""
    obj = live.memo.get("graphql")
    if obj is None:
        obj = live.memo["graphql"] = entry_type(live.entry)
        setattr(obj, SHARED_RESULTS, {})
        setattr(obj, PARKED, {})
    return obj


class _Variables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        self.names.add(node.name.value)


_EVENT_VARIABLES: OrderedDict[int, tuple[OperationDefinitionNode, tuple[str, ...] | None]] = (
    OrderedDict())


def event_variables(op: OperationDefinitionNode,
                    fragments: Mapping[str, FragmentDefinitionNode]) -> tuple[str, ...] | None:
    """Variables an event's result can depend on: all but the root fields'
    arguments (`after`, `filter` choose events, not their fields). None: any."""
    cached = _EVENT_VARIABLES.get(id(op))
    if cached is not None and cached[0] is op:  # the node is kept: its id is not reused
        return cached[1]
    names: tuple[str, ...] | None = None
    roots = [s for s in op.selection_set.selections if isinstance(s, FieldNode)]
    if len(roots) == len(op.selection_set.selections):
        found = _Variables()
        for root in roots:
            for node in [*(root.directives or ()), root.selection_set, *fragments.values()]:
                if node is not None:
                    visit(node, found)
        names = tuple(sorted(found.names))
    _EVENT_VARIABLES[id(op)] = (op, names)
    while len(_EVENT_VARIABLES) > 512:
        _EVENT_VARIABLES.popitem(last=False)
    return names


def result_key(op: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode],
               coerced: Mapping[str, Any]) -> ResultKey:
    """Subscribers with the same key get the same result for the same event."""
    names = event_variables(op, fragments)
    values = coerced if names is None else {n: coerced.get(n) for n in names}
    return id(op), repr(sorted(values.items()))


def shared_result(obj: object, key: ResultKey, op: OperationDefinitionNode) -> SharedResult | None:
    """The result already computed for this event and key, if any."""
    memo = getattr(obj, SHARED_RESULTS, None)
    hit = memo.get(key) if memo is not None else None
    return hit if hit is not None and hit.operation is op else None


class SharedEventExecution(StrawberryGraphQLCoreExecutionContext):
    """Executes a subscription event once per (document, relevant variables)
    when its root value is shared (`shared_entry`); everything else as usual."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        memo = getattr(self.root_value, SHARED_RESULTS, None)
        if memo is None or self.operation.operation is not OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        key = result_key(self.operation, self.fragment_definitions, self.variable_values.coerced)
        hit = shared_result(self.root_value, key, self.operation)
        if hit is not None:
            return ExecutionResult(hit.data, None)
        obj = self.root_value
        try:
            result = super().execute_operation(serially)
        except BaseException as exc:
            _failed(obj, key, exc)
            raise

        def remember(done: Any) -> Any:
            stored = isinstance(done, ExecutionResult) and not done.errors  # errors: not shared
            if stored:
                memo[key] = SharedResult(self.operation, done.data)
            # Parked subscribers send it now, or compute their own: in this turn,
            # before this subscriber's own send, which may wait on a slow reader.
            release(obj, key, shared=stored)
            return done

        if self.is_awaitable(result):
            async def remembered() -> Any:
                try:
                    done = await result
                except BaseException as exc:
                    _failed(obj, key, exc)
                    raise
                return remember(done)

            return remembered()
        return remember(result)


def _failed(obj: object, key: ResultKey, exc: BaseException) -> None:
    """An execution that ended without a result: cancelled (its subscriber went
    away), another subscriber may compute it; otherwise it is not shared."""
    release(obj, key, shared=isinstance(exc, asyncio.CancelledError))
