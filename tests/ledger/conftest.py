"""Fixtures of the ledger tests: one small recorded ledger per module, served
over HTTP, and a plain SQL session to tamper with it as someone with database
access would; whatever a test changes is put back after it. And the write
side alone, for tests of the recorder."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from infra.eventstore import WriteSide, open_write_side
from infra.settings import Settings
from tests.organisations.documents import GRANT_LABEL, UPDATE_STARTUP, register_startup
from tests.organisations.fixtures import module_api, module_settings  # noqa: F401 (fixtures)
from tests.support.api import Api


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(module_api: Api) -> Api:  # noqa: F811 (the fixture imported above)
    """The module's app (the root conftest's `api` is one per test)."""
    return module_api


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def recorded(api: Api, module_settings: Settings) -> dict[str, Any]:  # noqa: F811
    """Given two startups: position 1 A registered, 2 B registered, 3 A updated,
    4 A labelled, 5 B updated. Returns their ids and the database URL."""
    a = (await register_startup(api, 1, "alice"))["id"]
    b = (await register_startup(api, 2, "bob"))["id"]
    await api.data(UPDATE_STARTUP, {"i": {"id": a, "city": "Lyon"}}, as_user=("alice", "startup"))
    await api.data(GRANT_LABEL, {"i": {"startupId": a, "label": "NEXT40"}},
                   as_user=("op", "operator"))
    await api.data(UPDATE_STARTUP, {"i": {"id": b, "city": "Nantes"}}, as_user=("bob", "startup"))
    url = module_settings.database_url
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE TABLE ledger_untouched AS SELECT * FROM ledger_events")
    await conn.close()
    return {"a": a, "b": b, "url": url}


@pytest_asyncio.fixture(loop_scope="module")
async def sql(recorded: dict[str, Any]) -> AsyncIterator[asyncpg.Connection]:
    """A plain SQL session on the recorded ledger; the ledger is restored after."""
    conn = await asyncpg.connect(recorded["url"])
    yield conn
    async with conn.transaction():
        await conn.execute("DELETE FROM ledger_events")
        await conn.execute("INSERT INTO ledger_events SELECT * FROM ledger_untouched")
    await conn.close()


@pytest_asyncio.fixture(loop_scope="module")
async def empty_sql(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A plain SQL session on an empty, migrated database of this test's own."""
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


@pytest.fixture
def write(database_url: str) -> Iterator[WriteSide]:
    """The ledger application and its ports on this test's database."""
    with contextlib.closing(open_write_side(database_url, pool_size=4)) as side:
        yield side
