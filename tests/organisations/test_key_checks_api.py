"""End to end: the server keeps a founder's key in memory; once another
instance destroys that key, the founder's next command over HTTP still
succeeds (refused at commit, run again with the key read afresh) and their
contact reads back, while what was sealed with the old key stays erased."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from infra.eventstore import open_write_side
from infra.settings import Settings
from tests.organisations.documents import STARTUP_FIELDS, register_startup
from tests.support.api import Api

pytestmark = pytest.mark.asyncio(loop_scope="module")

FOUNDER = "key-check-founder"


def _forget_elsewhere(settings: Settings, user_id: str) -> None:
    """What another instance's vault does for forgetPerson: destroy the key."""
    assert settings.database_url
    with contextlib.closing(open_write_side(settings.database_url, pool_size=1)) as other:
        other.vault.forget(user_id)


async def test_a_key_destroyed_elsewhere_is_read_again_for_the_next_command(
    module_api: Api, module_settings: Settings
) -> None:
    first = await register_startup(module_api, 9101, FOUNDER)
    await asyncio.to_thread(_forget_elsewhere, module_settings, FOUNDER)
    second = await register_startup(module_api, 9102, FOUNDER)
    assert second["members"][0]["email"] == "founder9102@example.fr"
    data = await module_api.data(f"query($id: ID!) {{ startup(id: $id) {{ {STARTUP_FIELDS} }} }}",
                                 {"id": first["id"]}, as_user=(FOUNDER, "startup"))
    assert data["startup"]["members"][0]["email"] is None  # sealed with the destroyed key
