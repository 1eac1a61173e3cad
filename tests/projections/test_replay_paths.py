"""The cheaper paths of a rebuild keep what the read models hold: rows of
streams that start in a batch are not loaded, rows known to be new are copied
(deletes of rows that never existed are skipped), a batch picks each
projection's entries once, the rebuild reads entries without their topic and
hashes, and ids become asyncpg's UUIDs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from projections import base
from projections.base import Row, RowStore, fold_into
from projections.entries import Entry, entry_from_row, folded_entry_from_row, uuid_of
from projections.fanout import Batch

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STORE = RowStore("things", ("id",), ("id", "count"))


def entry(position: int, stream: uuid.UUID, version: int, stream_type: str = "Thing") -> Entry:
    return Entry(position, stream, version, stream_type, "Counted", T0, {}, {}, "t", b"{}",
                 b"h", None, b"l")


def count(row: Row | None, e: Entry) -> Row | None:
    """Counts a stream's entries; a stream whose first entry was not seen stays absent."""
    if e.version == 1:
        return {"id": e.stream_id, "count": 1}
    return {**row, "count": row["count"] + 1} if row else None


class RecordingConnection:
    """Just what RowStore needs, recording the statements it is asked for."""

    def __init__(self, stored: list[Row]) -> None:
        self.stored = stored
        self.loaded: list[Any] = []
        self.copied: list[tuple[Any, ...]] = []
        self.statements: list[tuple[str, list[tuple[Any, ...]]]] = []

    async def fetch(self, _sql: str, ids: list[Any]) -> list[Row]:
        self.loaded.extend(ids)
        return [r for r in self.stored if r["id"] in ids]

    async def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self.statements.append((sql.split()[0], list(rows)))

    async def copy_records_to_table(self, table: str, *, records: list[tuple[Any, ...]],
                                    columns: tuple[str, ...]) -> None:
        assert (table, columns) == (STORE.table, STORE.columns)
        self.copied.extend(records)


async def fold(conn: RecordingConnection, entries: list[Entry]) -> None:
    await fold_into(cast(Any, conn), STORE, entries, lambda e: (e.stream_id,), count,
                    stream_rows=True)


async def test_rows_of_streams_starting_in_the_batch_are_copied_without_a_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(base, "COPY_MIN", 2)
    old, new_a, new_b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    conn = RecordingConnection([{"id": old, "count": 4}])
    await fold(conn, [entry(10, old, 5), entry(11, new_a, 1), entry(12, new_b, 1),
                      entry(13, new_a, 2)])
    assert conn.loaded == [old]  # the started streams are not looked up
    assert sorted(conn.copied, key=str) == sorted([(new_a, 2), (new_b, 1)], key=str)
    assert conn.statements == [("INSERT", [(old, 5)])]  # the stored row is upserted


async def test_few_new_rows_are_upserted_and_absent_rows_are_never_deleted() -> None:
    started, unknown = uuid.uuid4(), uuid.uuid4()
    conn = RecordingConnection([])
    # `unknown` started before the batch but has no row: it stays absent, no DELETE.
    await fold(conn, [entry(20, started, 1), entry(21, unknown, 3)])
    assert conn.loaded == [unknown]
    assert conn.copied == []
    assert conn.statements == [("INSERT", [(started, 1)])]


async def test_a_stream_that_started_earlier_is_loaded_even_if_unknown_rows_are_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(base, "COPY_MIN", 1)
    stream = uuid.uuid4()
    conn = RecordingConnection([{"id": stream, "count": 1}])
    await fold(conn, [entry(30, stream, 2)])
    assert conn.loaded == [stream]
    assert conn.copied == [] and conn.statements == [("INSERT", [(stream, 2)])]


def test_a_batch_picks_the_entries_of_each_set_of_stream_types_in_order() -> None:
    streams = {t: uuid.uuid4() for t in ("A", "B", "C")}
    entries = [entry(p, streams[t], p, t) for p, t in enumerate("ABACBBCA", start=1)]
    batch = Batch(entries, 8)
    for types in (None, frozenset("A"), frozenset("AB"), frozenset("BC"), frozenset("D")):
        for after in (0, 3, 8):
            expected = [e for e in entries if e.position > after
                        and (types is None or e.stream_type in types)]
            assert batch.of(types, after) == expected, (types, after)


def test_a_folded_entry_has_the_fields_of_a_full_one_but_no_topic_or_hashes() -> None:
    stream = uuid.uuid4()
    state = (b'{"timestamp": {"_type_": "datetime_iso", "_data_": "x"}, "n": 1,'
             b' "meta": {"userId": "u"}}')
    full = entry_from_row({
        "notification_id": 7, "originator_id": stream, "originator_version": 2,
        "topic": "t", "state": state, "stream_type": "Thing", "event_type": "Counted",
        "occurred_at": T0, "hash": b"h", "previous_hash": None, "ledger_hash": b"l"})
    folded = folded_entry_from_row((7, stream, 2, state, "Thing", "Counted", T0))
    kept = ("position", "stream_id", "version", "stream_type", "type", "occurred_at",
            "data", "meta", "state")
    assert {k: getattr(folded, k) for k in kept} == {k: getattr(full, k) for k in kept}
    with pytest.raises(AttributeError):
        _ = folded.hash


@pytest.mark.parametrize("text", [
    "61373c90-c26c-46a8-881d-1fe47e349a6f", "61373c90c26c46a8881d1fe47e349a6f",
    "61373C90-C26C-46A8-881D-1FE47E349A6F", "{61373c90-c26c-46a8-881d-1fe47e349a6f}",
    "urn:uuid:61373c90-c26c-46a8-881d-1fe47e349a6f",
])
def test_uuid_of_equals_the_standard_uuid(text: str) -> None:
    made = uuid_of(text)
    assert isinstance(made, uuid.UUID)
    assert made == uuid.UUID(text) and hash(made) == hash(uuid.UUID(text))
    assert str(made) == str(uuid.UUID(text))


def test_uuid_of_keeps_a_uuid_and_rejects_what_is_not_one() -> None:
    same = uuid.uuid4()
    assert uuid_of(same) is same
    with pytest.raises(ValueError):
        uuid_of("not-a-uuid")
