"""Shared fixtures: an isolated, migrated PostgreSQL database per test, settings, tokens.

``TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test`` runs the suite against
that server; unset, one embedded server is started for the session (about a second).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path

import pytest

from infra.auth import issue_token
from infra.settings import Settings
from tests.support.api import Api, running_api
from tests.support.db import TemplateDatabases, session_server

TEST_JWT_SECRET = "passerelle-test-secret-0123456789abcdef"

TokenFactory = Callable[..., str]


@pytest.fixture(scope="session")
def _admin_database_url() -> Iterator[str]:
    with session_server(os.environ.get("TEST_DATABASE_URL")) as url:
        yield url


@pytest.fixture(scope="session")
def _template_databases(_admin_database_url: str) -> Iterator[TemplateDatabases]:
    databases = TemplateDatabases(_admin_database_url)
    try:
        databases.create_template()  # a broken migration fails every test that needs a DB
        yield databases
    finally:
        databases.close()


@pytest.fixture(scope="session")
def template_database_url(_template_databases: TemplateDatabases) -> str:
    """URL of the session's migrated template database (hold no connection open on it)."""
    return _template_databases.template_url


@pytest.fixture
def database_url(_template_databases: TemplateDatabases) -> Iterator[str]:
    """URL of a fresh, migrated database for this test only (psycopg and asyncpg)."""
    name, url = _template_databases.clone()
    yield url
    _template_databases.drop_later(name)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on this test's database with a fixed JWT secret, ignoring the caller's
    environment (a developer's PASSERELLE_* variables must not change test outcomes)."""
    for name in list(os.environ):
        if name.upper().startswith("PASSERELLE_") or name.upper() == "DATABASE_URL":
            monkeypatch.delenv(name)
    # Rate limits off: tests send bursts from one client; tests of the limits set their own.
    return Settings(database_url=database_url, jwt_secret=TEST_JWT_SECRET, data_dir=tmp_path,
                    rate_limit_per_token=0, rate_limit_per_ip=0, access_log=False)


@pytest.fixture
def make_token(settings: Settings) -> TokenFactory:
    """``make_token(sub, role, orgs=())`` returns a valid bearer token for ``settings``."""

    def make(sub: str, role: str, orgs: Iterable[str] = ()) -> str:
        return issue_token(settings, sub=sub, role=role, orgs=orgs)

    return make


@pytest.fixture
async def api(settings: Settings, make_token: TokenFactory) -> AsyncIterator[Api]:
    """The whole app in-process (projector included), spoken to over HTTP."""
    async with running_api(settings, make_token) as client:
        yield client
