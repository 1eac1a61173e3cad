"""One live entry, many subscribers: the subscription event's GraphQL result is
computed once per document (and the variables its fields can depend on), then
reused by every subscriber of the same entry on this instance. graphql-core
would otherwise execute the same selection set on the same object 200 times."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from graphql import ExecutionResult, OperationDefinitionNode, OperationType, Visitor, visit
from graphql.language import FieldNode, VariableNode
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from infra.live import LiveEntry
from schema.ledger import LedgerEntry, entry_type

SHARED_RESULTS = "_passerelle_shared_results"  # attribute of a shared event object


def shared_entry(live: LiveEntry) -> LedgerEntry:
    """The GraphQL object of a live entry, built once and carrying a result memo."""
    obj = live.memo.get("graphql")
    if obj is None:
        obj = live.memo["graphql"] = entry_type(live.entry)
        setattr(obj, SHARED_RESULTS, {})
    return obj  # type: ignore[no-any-return]


class _Variables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        self.names.add(node.name.value)


_EVENT_VARIABLES: OrderedDict[int, tuple[OperationDefinitionNode, tuple[str, ...] | None]] = (
    OrderedDict())


def event_variables(op: OperationDefinitionNode, fragments: dict[str, Any]) -> tuple[str, ...] | None:
    """Variables an event's result can depend on: all but the root fields'
    arguments (`after`, `filter` choose events, not their fields). None: any."""
    cached = _EVENT_VARIABLES.get(id(op))
    if cached is not None and cached[0] is op:  # the node is kept: its id is not reused
        return cached[1]
    names: tuple[str, ...] | None = None
    if all(isinstance(s, FieldNode) for s in op.selection_set.selections):
        found = _Variables()
        for root in op.selection_set.selections:
            fragment_nodes = [f.definition for f in fragments.values()]
            for node in [*(root.directives or ()), root.selection_set, *fragment_nodes]:
                if node is not None:
                    visit(node, found)
        names = tuple(sorted(found.names))
    _EVENT_VARIABLES[id(op)] = (op, names)
    while len(_EVENT_VARIABLES) > 512:
        _EVENT_VARIABLES.popitem(last=False)
    return names


class SharedEventExecution(StrawberryGraphQLCoreExecutionContext):
    """Executes a subscription event once per (document, relevant variables)
    when its root value is shared (`shared_entry`); everything else as usual."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        memo = getattr(self.root_value, SHARED_RESULTS, None)
        if memo is None or self.operation.operation is not OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        names = event_variables(self.operation, self.fragments)
        coerced = self.variable_values.coerced
        values = coerced if names is None else {n: coerced.get(n) for n in names}
        key = (id(self.operation), repr(sorted(values.items())))
        hit = memo.get(key)
        if hit is not None and hit[0] is self.operation:
            return ExecutionResult(hit[1], None)
        result = super().execute_operation(serially)

        def remember(done: Any) -> Any:
            if isinstance(done, ExecutionResult) and not done.errors:  # errors: not shared
                memo[key] = (self.operation, done.data)
            return done

        if self.is_awaitable(result):
            async def remembered() -> Any:
                return remember(await result)

            return remembered()
        return remember(result)
