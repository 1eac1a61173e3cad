"""`verify` recomputes the chains from the rows on every call: an answer
kept by the response cache would hide a tampering made since."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest

from infra.settings import Settings
from schema.cache import ResponseCache
from tests.organisations.documents import VERIFY, register_startup
from tests.support.api import Api, running_api

AUDITOR = ("audrey", "auditor")


@pytest.fixture
async def cached_api(settings: Settings, make_token: Callable[..., str],
                     monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    """The app with its response cache on and answers kept for a minute, so
    the test does not depend on how fast the machine is."""
    assert settings.response_cache
    original = ResponseCache.__init__
    monkeypatch.setattr(ResponseCache, "__init__",
                        lambda self, max_entries=20_000, ttl_seconds=60.0: original(
                            self, max_entries, ttl_seconds))
    async with running_api(settings, make_token) as api:
        yield api


async def test_verify_reports_a_tampering_made_right_after_a_valid_verify(
    cached_api: Api, database_url: str,
) -> None:
    await register_startup(cached_api, 1, "alice")
    before = await cached_api.data(VERIFY, {"id": None}, as_user=AUDITOR)
    assert before["verify"]["valid"] is True
    conn = await asyncpg.connect(database_url)
    await conn.execute("UPDATE ledger_events SET state = state || '\\x20'::bytea")
    await conn.close()
    after = await cached_api.data(VERIFY, {"id": None}, as_user=AUDITOR)
    assert (after["verify"]["valid"], after["verify"]["firstInvalidPosition"]) == (False, 1)
