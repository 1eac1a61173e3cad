"""Fixtures of the live tests: one server process shared by the tests that only
append (each works from the ledger head it finds), and a bulk writer on its database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live.support import BulkWriter, Server, servers
from tests.support.db import TemplateDatabases


@pytest.fixture(scope="package")
def shared_database_url(_template_databases: TemplateDatabases) -> Iterator[str]:
    name, url = _template_databases.clone()
    yield url
    _template_databases.drop_later(name)


@pytest.fixture(scope="package")
def server(shared_database_url: str) -> Iterator[Server]:
    """A real server; small read batches so catch-up spans many pages."""
    with servers(shared_database_url, PASSERELLE_LIVE_BATCH_SIZE="7",
                 PASSERELLE_MAX_SUBSCRIPTIONS_PER_CONNECTION="3",
                 PASSERELLE_MAX_CONNECTIONS_PER_TOKEN="6") as started:
        yield started[0]


@pytest.fixture(scope="package")
def writer(shared_database_url: str) -> Iterator[BulkWriter]:
    bulk = BulkWriter(shared_database_url)
    yield bulk
    bulk.close()
