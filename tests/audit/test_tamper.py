"""SQL tampering behind the application's back is detected, at the right position,
by GraphQL `verify` and by the offline check of an exported bundle."""

from __future__ import annotations

from uuid import UUID

import pytest

from infra.audit_cli import export_bundle
from infra.bundle_check import check_bundle
from tests.audit.conftest import AUDITOR, TAMPERS, Ledger, run_sql
from tests.support.api import Api

VERIFY = "query($id: ID) { verify(id: $id) { valid checkedEntries firstInvalidPosition message } }"


async def verify(api: Api, stream_id: str | None = None) -> dict[str, object]:
    result: dict[str, object] = (await api.data(VERIFY, {"id": stream_id},
                                                as_user=AUDITOR))["verify"]
    return result


async def test_an_untouched_ledger_verifies(api: Api, ledger: Ledger, database_url: str) -> None:
    assert await verify(api) == {"valid": True, "checkedEntries": 8, "firstInvalidPosition": None,
                                 "message": "8 entries verified"}
    report = check_bundle(export_bundle(database_url, UUID(ledger.startup_id)))
    assert report.valid, report.faults


@pytest.mark.parametrize("tamper", list(TAMPERS))
async def test_verify_finds_the_tampered_position(api: Api, ledger: Ledger, database_url: str,
                                                  tamper: str) -> None:
    statement, position = TAMPERS[tamper]
    run_sql(database_url, statement)
    verdict = await verify(api)
    assert (verdict["valid"], verdict["firstInvalidPosition"]) == (False, position), verdict


@pytest.mark.parametrize("tamper", list(TAMPERS))
async def test_verifying_the_stream_alone_finds_it_too(api: Api, ledger: Ledger,
                                                       database_url: str, tamper: str) -> None:
    run_sql(database_url, TAMPERS[tamper][0])
    verdict = await verify(api, ledger.startup_id)
    if tamper in ("positions swapped", "ledger hash edit"):
        # A stream's own chain covers its bytes and versions, not ledger positions.
        assert verdict["valid"] is True
    else:
        assert verdict["valid"] is False, verdict


@pytest.mark.parametrize("tamper", list(TAMPERS))
async def test_the_offline_bundle_check_finds_the_tampered_position(
    api: Api, ledger: Ledger, database_url: str, tamper: str
) -> None:
    statement, position = TAMPERS[tamper]
    run_sql(database_url, statement)
    report = check_bundle(export_bundle(database_url, UUID(ledger.startup_id)))
    assert not report.valid
    assert report.first_invalid_position == position, [str(f) for f in report.faults]
