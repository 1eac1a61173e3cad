"""Fixtures of the ledger tests: a small recorded ledger served over HTTP, and
a plain SQL session to tamper with it as someone with database access would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from tests.organisations.documents import GRANT_LABEL, UPDATE_STARTUP, register_startup
from tests.support.api import Api


@pytest.fixture
async def recorded(api: Api) -> dict[str, Any]:
    """Given two startups: position 1 A registered, 2 B registered, 3 A updated,
    4 A labelled, 5 B updated. Returns their ids."""
    a = (await register_startup(api, 1, "alice"))["id"]
    b = (await register_startup(api, 2, "bob"))["id"]
    await api.data(UPDATE_STARTUP, {"i": {"id": a, "city": "Lyon"}}, as_user=("alice", "startup"))
    await api.data(GRANT_LABEL, {"i": {"startupId": a, "label": "NEXT40"}},
                   as_user=("op", "operator"))
    await api.data(UPDATE_STARTUP, {"i": {"id": b, "city": "Nantes"}}, as_user=("bob", "startup"))
    return {"a": a, "b": b}


@pytest.fixture
async def sql(database_url: str, recorded: dict[str, Any]) -> AsyncIterator[asyncpg.Connection]:
    """A plain SQL session on the recorded ledger."""
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


@pytest.fixture
async def empty_sql(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A plain SQL session on an empty, migrated database."""
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()
