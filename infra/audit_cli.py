"""`python server.py audit ...`: export a stream as a verifiable bundle, check a
bundle offline, record a checkpoint of the ledger head (docs/audit.md)."""

from __future__ import annotations

import getpass
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO
from uuid import UUID

import click
import orjson
import psycopg
from psycopg.rows import dict_row

from infra import pii
from infra.bundle import Exported, Link, build_bundle
from infra.bundle_check import BundleError, check_bundle
from infra.chain import ZERO, StoredEntry

STREAM_SQL = (
    "SELECT e.notification_id, e.originator_id, e.originator_version, e.occurred_at, e.topic,"
    " e.state, e.hash, e.previous_hash, e.ledger_hash, e.stream_type, e.event_type,"
    " p.ledger_hash AS previous_ledger_hash FROM ledger_events e LEFT JOIN ledger_events p"
    " ON p.notification_id = e.notification_id - 1"
    " WHERE e.originator_id = %s ORDER BY e.originator_version"
)
HEAD_SQL = ("SELECT notification_id, hash, ledger_hash FROM ledger_events"
            " ORDER BY notification_id DESC LIMIT 1")
PATH_SQL = ("SELECT notification_id, hash, ledger_hash FROM ledger_events"
            " WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id")


def _database_url() -> tuple[str, Any]:
    from infra.embedded import resolve_database_url
    from infra.settings import load_settings

    return resolve_database_url(load_settings())


def _exported(r: dict[str, Any]) -> Exported:
    prev_lh = r["previous_ledger_hash"]
    return Exported(
        StoredEntry(r["notification_id"], r["originator_id"], r["originator_version"],
                    r["occurred_at"], r["topic"], bytes(r["state"]), bytes(r["hash"]),
                    bytes(r["previous_hash"]) if r["previous_hash"] is not None else None,
                    bytes(r["ledger_hash"])),
        r["event_type"],
        ZERO if r["notification_id"] == 1 else (bytes(prev_lh) if prev_lh else None),
    )


def _link(r: Any) -> Link:
    return Link(r["notification_id"], bytes(r["hash"]), bytes(r["ledger_hash"]))


def _path(conn: psycopg.Connection[Any], since: int, head: int) -> Iterator[Link]:
    with conn.cursor(name="audit_path", row_factory=dict_row) as cur:
        cur.itersize = 5000
        cur.execute(PATH_SQL, (since, head))
        yield from (_link(r) for r in cur)


def _start_hash(conn: psycopg.Connection[Any], since: int) -> bytes | None:
    if since == 0:
        return ZERO
    row = conn.execute("SELECT ledger_hash FROM ledger_events WHERE notification_id = %s",
                       (since,)).fetchone()
    return bytes(row["ledger_hash"]) if row else None


def _keys(conn: psycopg.Connection[Any], entries: list[Exported]) -> dict[str, bytes]:
    owners: set[str] = set()
    for e in entries:
        pii.collect_owners(orjson.loads(e.stored.state), owners)
    rows = conn.execute("SELECT user_id, key FROM person_keys WHERE user_id = ANY(%s)"
                        " AND key IS NOT NULL", (sorted(owners),)).fetchall()
    return {r["user_id"]: bytes(r["key"]) for r in rows}


def export_bundle(database_url: str, stream_id: UUID, *, since: int | None = None,
                  with_path: bool = True, reveal: bool = True) -> dict[str, Any]:
    """Reads the stream, its ledger path and the head in one consistent snapshot."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        rows = conn.execute(STREAM_SQL, (stream_id,)).fetchall()
        if not rows:
            raise click.ClickException(f"no stream {stream_id} in the ledger")
        entries = [_exported(r) for r in rows]
        head = _link(conn.execute(HEAD_SQL).fetchone())
        start = min(entries[0].stored.position - 1, since if since is not None else head.position)
        path = _path(conn, start, head.position) if with_path else iter(())
        return build_bundle(
            stream_id, rows[0]["stream_type"], entries, head,
            _start_hash(conn, start) if with_path else None, list(path),
            _keys(conn, entries), exported_at=datetime.now(UTC), reveal=reveal)


@click.group()
def audit() -> None:
    """Auditors' tools: verifiable exports, offline checks, checkpoints."""


@audit.command()
@click.argument("stream_id", type=click.UUID)
@click.option("-o", "--output", type=click.File("wb"), default="-", help="Default: stdout.")
@click.option("--since", type=click.IntRange(min=0), default=None,
              help="Start the ledger path right after this position (e.g. a checkpoint's).")
@click.option("--no-ledger-path", is_flag=True, help="Omit the links to the head (smaller).")
@click.option("--no-personal-data", is_flag=True, help="Payloads show sealed data as null.")
def export(stream_id: UUID, output: Any, since: int | None, no_ledger_path: bool,
           no_personal_data: bool) -> None:
    """Write STREAM_ID's entries as a self-contained JSON bundle."""
    url, keeper = _database_url()
    with keeper:
        bundle = export_bundle(url, stream_id, since=since, with_path=not no_ledger_path,
                               reveal=not no_personal_data)
    output.write(orjson.dumps(bundle, option=orjson.OPT_INDENT_2) + b"\n")


def _checkpoint(text: str) -> tuple[int, bytes]:
    position, _, hexa = text.partition(":")
    try:
        return int(position), bytes.fromhex(hexa)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not POSITION:LEDGERHASH") from None


def _print_report(report: Any, out: TextIO) -> None:
    for fault in report.faults:
        click.echo(f"FAULT {fault}", file=out)
    head = report.head
    if report.valid:
        click.echo(f"VALID: {report.entries} entries, {report.links} ledger links, head at "
                   f"position {head.position} ledgerHash {head.ledger_hash.hex()}", file=out)
    else:
        click.echo(f"INVALID: {len(report.faults)} fault(s), first at position "
                   f"{report.first_invalid_position}", file=out)


@audit.command("verify")
@click.argument("bundle", type=click.File("rb"))
@click.option("--checkpoint", "checkpoints", multiple=True, metavar="POSITION:LEDGERHASH",
              help="A head kept outside the system; its position must still have this hash.")
def verify_bundle(bundle: Any, checkpoints: tuple[str, ...]) -> None:
    """Check BUNDLE offline (no database); exit 1 on any fault."""
    try:
        report = check_bundle(orjson.loads(bundle.read()), [_checkpoint(c) for c in checkpoints])
    except (BundleError, orjson.JSONDecodeError) as exc:
        click.echo(f"INVALID: {exc}", file=sys.stdout)
        sys.exit(1)
    _print_report(report, sys.stdout)
    sys.exit(0 if report.valid else 1)


@audit.command()
@click.option("--by", default=None, help="Who records it (default: the OS user).")
def checkpoint(by: str | None) -> None:
    """Print the ledger head and record it in the ledger (CheckpointRecorded)."""
    from domain.actors import Actor, CommandContext, Role
    from infra.eventstore import open_write_side
    from wiring.audit import audit_service

    url, keeper = _database_url()
    with keeper:
        write = open_write_side(url, pool_size=2)
        try:
            actor = Actor(f"cli:{by or getpass.getuser()}", Role.OPERATOR)
            ctx = CommandContext(actor, datetime.now(UTC), f"audit-checkpoint-{uuid.uuid4()}")
            recorded = audit_service(write).record_checkpoint(ctx)
        finally:
            write.close()
    click.echo(f"{recorded.head_position}:{recorded.head_hash}")
    click.echo(f"recorded as position {recorded.position} (stream {recorded.stream_id})",
               err=True)
