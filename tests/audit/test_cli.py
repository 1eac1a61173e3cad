"""`audit export | verify | checkpoint` from the command line (click's runner)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from infra.audit_cli import audit
from infra.settings import Settings
from tests.audit.conftest import AUDITOR, TAMPERS, Ledger, run_sql
from tests.support.api import Api


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """After `settings`, which clears the environment: the CLI reads DATABASE_URL."""
    assert settings.database_url
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(settings.data_dir))  # never ./.data
    return CliRunner()


async def invoke(cli: CliRunner, *args: str) -> Result:
    return await asyncio.to_thread(cli.invoke, audit, list(args))


async def test_an_exported_bundle_verifies(cli: CliRunner, ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    exported = await invoke(cli, "export", ledger.startup_id, "-o", str(path))
    assert exported.exit_code == 0, exported.output
    checked = await invoke(cli, "verify", str(path))
    assert checked.exit_code == 0
    assert checked.output.startswith("VALID: 6 entries, 8 ledger links, head at position 8")


async def test_a_tampered_ledger_exports_a_bundle_that_fails(
    cli: CliRunner, ledger: Ledger, database_url: str, tmp_path: Path
) -> None:
    run_sql(database_url, TAMPERS["payload update"][0])
    path = tmp_path / "bundle.json"
    await invoke(cli, "export", ledger.startup_id, "-o", str(path))
    checked = await invoke(cli, "verify", str(path))
    assert checked.exit_code == 1
    assert checked.output.splitlines() == [
        "FAULT position 3: hash does not match the entry's stored bytes",
        "INVALID: 1 fault(s), first at position 3"]


async def test_a_file_that_is_not_json_fails(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text("{not json")
    checked = await invoke(cli, "verify", str(path))
    assert checked.exit_code == 1 and checked.output.startswith("INVALID:")


async def test_an_unknown_stream_cannot_be_exported(cli: CliRunner, ledger: Ledger) -> None:
    result = await invoke(cli, "export", "00000000-0000-0000-0000-000000000000")
    assert result.exit_code == 1 and "no stream" in result.output


async def test_a_checkpoint_is_printed_recorded_and_later_checked(
    api: Api, cli: CliRunner, ledger: Ledger, tmp_path: Path
) -> None:
    result = await invoke(cli, "checkpoint", "--by", "ops")
    assert result.exit_code == 0, result.output
    kept = result.stdout.strip()
    position, head_hash = kept.split(":")
    entries = (await api.data(
        '{ ledger(filter: {eventTypes: ["CheckpointRecorded"]}) { nodes {'
        " position streamType payload actor { userId role } } } }", as_user=AUDITOR))
    assert entries["ledger"]["nodes"] == [{
        "position": 9, "streamType": "Checkpoint",
        "payload": {"position": 8, "ledgerHash": head_hash},
        "actor": {"userId": "cli:ops", "role": "OPERATOR"}}]
    path = tmp_path / "bundle.json"
    await invoke(cli, "export", ledger.startup_id, "--since", position, "-o", str(path))
    checked = await invoke(cli, "verify", str(path), "--checkpoint", kept)
    assert checked.exit_code == 0, checked.output
