"""The Application GraphQL type of the calls slice (issue 3), for
`Agreement.application`, without depending on that slice at import time: its
type when installed, else a stand-in with the contract's name and an id."""

from __future__ import annotations

import importlib
from typing import Any

import strawberry

from schema.common import Node

# Where the calls slice defines its Application type (the first found wins).
APPLICATION_TYPE_MODULES = ("schema.calls.types", "schema.calls.applications")


def _installed() -> Any:
    for module_name in APPLICATION_TYPE_MODULES:
        try:
            found = getattr(importlib.import_module(module_name), "Application", None)
        except ImportError:
            continue
        if found is not None:
            return found
    return None


def _stand_in() -> Any:
    @strawberry.type(name="Application", description="An application to a call for projects.")
    class Application(Node):
        id: strawberry.ID

    return Application


Application: Any = _installed() or _stand_in()
