"""The reference implementation printed in docs/ledger.md, run as an auditor
would run it, agrees with the database; and the database and infra/chain.py
hash the same bytes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from projections.queries.ledger import verify

pytestmark = pytest.mark.asyncio(loop_scope="module")

DOC = Path(__file__).parents[2] / "docs" / "ledger.md"


@pytest.fixture(scope="module")
def reference() -> Any:
    """The `check(url)` function of the documentation's Python block."""
    [code] = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    namespace: dict[str, Any] = {"__name__": "ledger_check"}
    exec(compile(code, str(DOC), "exec"), namespace)
    return namespace["check"]


async def test_the_documented_check_accepts_the_recorded_ledger_and_finds_its_head(
    reference: Any, recorded: dict[str, Any], sql: asyncpg.Connection,
) -> None:
    head = await sql.fetchval("SELECT ledger_hash FROM ledger_events ORDER BY notification_id"
                              " DESC LIMIT 1")
    assert reference(recorded["url"]) == (True, None, bytes(head).hex())


async def test_the_documented_check_reports_an_sql_update_at_its_position(
    reference: Any, recorded: dict[str, Any], sql: asyncpg.Connection,
) -> None:
    await sql.execute("UPDATE ledger_events SET state = state || '\\x20'::bytea"
                      " WHERE notification_id = 4")
    assert reference(recorded["url"])[:2] == (False, 4)


async def test_the_documented_check_reports_a_deleted_entry_at_its_position(
    reference: Any, recorded: dict[str, Any], sql: asyncpg.Connection,
) -> None:
    await sql.execute("DELETE FROM ledger_events WHERE notification_id = 2")
    assert reference(recorded["url"])[:2] == (False, 2)


async def test_the_database_and_the_python_chain_agree_on_a_non_ascii_topic(
    empty_sql: asyncpg.Connection,
) -> None:
    await empty_sql.execute(
        "SELECT ledger_append(ARRAY[gen_random_uuid(), gen_random_uuid()],"
        " ARRAY[1, 1]::bigint[], ARRAY['tests:Événement.Créé', 'tests:Ünïcode.Ÿ'],"
        " ARRAY['{\"é\": 1}'::bytea, '\\x00ff'::bytea])")
    verdict = await verify(empty_sql, None)
    assert (verdict.valid, verdict.checked) == (True, 2)
