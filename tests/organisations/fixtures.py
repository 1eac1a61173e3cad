"""Module-scoped fixtures shared by the organisations and ledger conftests: one
database and one running app per test module, for tests that only read, that
send commands which are refused, or that undo what they change."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Iterator

import pytest
import pytest_asyncio

from infra.auth import issue_token
from infra.settings import Settings
from tests.support.api import Api, running_api
from tests.support.db import TemplateDatabases

MODULE_JWT_SECRET = "passerelle-module-test-secret-0123456789"


@pytest.fixture(scope="module")
def module_settings(
    _template_databases: TemplateDatabases, tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Settings]:
    """Settings on a database shared by one test module. The response cache is
    off: some modules change rows behind the API's back (tampering), which a
    cached answer would hide for up to its time-to-live."""
    name, url = _template_databases.clone()
    with pytest.MonkeyPatch.context() as env:
        for variable in list(os.environ):
            if variable.upper().startswith("PASSERELLE_") or variable.upper() == "DATABASE_URL":
                env.delenv(variable)
        yield Settings(database_url=url, jwt_secret=MODULE_JWT_SECRET,
                       data_dir=tmp_path_factory.mktemp("module"), rate_limit_per_token=0,
                       rate_limit_per_ip=0, access_log=False, response_cache=False)
    _template_databases.drop_later(name)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_api(module_settings: Settings) -> AsyncIterator[Api]:
    """The whole app on the module's database (tests using it run in the module's loop)."""
    def token(sub: str, role: str, orgs: Iterable[str] = ()) -> str:
        return issue_token(module_settings, sub=sub, role=role, orgs=orgs)

    async with running_api(module_settings, token) as api:
        yield api
