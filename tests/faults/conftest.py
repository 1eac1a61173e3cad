"""A private embedded PostgreSQL per test, so a test may stop or freeze it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.embedded import EmbeddedPostgres
from infra.migrate import apply_migrations
from tests.support.db import pg_scratch_dir


@pytest.fixture
def postgres() -> Iterator[EmbeddedPostgres]:
    with pg_scratch_dir() as scratch:
        server = EmbeddedPostgres(scratch, cleanup_mode="stop").start()
        try:
            apply_migrations(server.url)
            yield server
        finally:
            server.stop()
