"""Migration 0012 rewrites three IMMUTABLE helpers in PL/pgSQL so that their
plans are cached for the session instead of made again by every statement
(PostgreSQL up to 17).
Their results must stay exactly those of the SQL definitions they replace:
search vectors are stored from `passerelle_join`, and every entry's hash
covers `ledger_entry_bytes` (and so `ledger_micros`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import pytest

# The definitions of migrations 0001 and 0002, as they were, in pg_temp.
WAS = [
    """CREATE FUNCTION pg_temp.join_was(parts text[]) RETURNS text LANGUAGE sql IMMUTABLE
       AS $$ SELECT coalesce(array_to_string(parts, ' '), '') $$""",
    """CREATE FUNCTION pg_temp.micros_was(ts timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE
       AS $$ SELECT (extract(epoch FROM ts) * 1000000)::bigint $$""",
    """CREATE FUNCTION pg_temp.bytes_was(stream_id uuid, version bigint, occurred_at timestamptz,
       topic text, state bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
       SELECT uuid_send(stream_id) || int8send(version)
           || int8send(pg_temp.micros_was(occurred_at))
           || int4send(octet_length(convert_to(topic, 'UTF8'))) || convert_to(topic, 'UTF8')
           || state $$""",
]
PARTS = [None, [], ["Énergie"], ["Énergie", "Hydrogène vert"], [None, "a", None], ["", ""],
         ["Œuvre", "naïve façade — « 42 € »"]]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TIMES = [EPOCH, EPOCH - timedelta(microseconds=1), datetime(1900, 2, 28, 23, 59, 59, 999999, UTC),
         datetime(2026, 12, 6, 20, 24, 10, 123456, UTC), datetime(2262, 4, 11, tzinfo=UTC), None]
TOPICS = ["domain.organisations:Startup.Registered", "é:Ü.Ÿ", "", None]
STATES = [b"", b"{}", bytes(range(256)), None]
STREAM = UUID("00112233-4455-6677-8899-aabbccddeeff")


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url)
    for definition in WAS:
        await connection.execute(definition)
    yield connection
    await connection.close()


async def _now_and_was(conn: asyncpg.Connection, query: str, *args: object) -> tuple[Any, Any]:
    """The helper's result and the SQL definition's, selected side by side."""
    row = await conn.fetchrow(query, *args)
    assert row is not None
    now, was = row
    return now, was


async def test_join_gives_what_the_sql_definition_gave(conn: asyncpg.Connection) -> None:
    for parts in PARTS:
        now, was = await _now_and_was(
            conn, "SELECT passerelle_join($1::text[]), pg_temp.join_was($1::text[])", parts)
        assert now == was, parts


async def test_micros_give_what_the_sql_definition_gave(conn: asyncpg.Connection) -> None:
    for ts in TIMES:
        now, was = await _now_and_was(
            conn, "SELECT ledger_micros($1::timestamptz), pg_temp.micros_was($1::timestamptz)",
            ts)
        assert now == was, ts


async def test_entry_bytes_give_what_the_sql_definition_gave(conn: asyncpg.Connection) -> None:
    for ts in TIMES:
        for topic in TOPICS:
            for state in STATES:
                now, was = await _now_and_was(
                    conn, "SELECT ledger_entry_bytes($1, 7, $2, $3, $4),"
                    " pg_temp.bytes_was($1, 7, $2, $3, $4)", STREAM, ts, topic, state)
                assert now == was, (ts, topic, state)


async def test_stored_vectors_are_unchanged(conn: asyncpg.Connection) -> None:
    """A row written now holds the vector the 0002 expression computes."""
    stream = UUID(int=1)
    await conn.execute(
        "INSERT INTO organisations (id, kind, name, siren, description, city, sectors,"
        " technologies, version, created_at, updated_at) VALUES ($1, 'STARTUP', 'Hélio',"
        " '123456789', 'Capteurs photoniques', 'Besançon', $2, $3, 1, now(), now())",
        stream, ["Énergie", "Santé"], ["Photonique"])
    same = await conn.fetchval(
        "SELECT search = passerelle_tsv(name || ' ' || description || ' '"
        " || pg_temp.join_was(sectors) || ' ' || pg_temp.join_was(technologies) || ' '"
        " || coalesce(sector, '') || ' ' || coalesce(city, '')) FROM organisations WHERE id = $1",
        stream)
    assert same is True


async def test_the_helpers_are_planned_once_per_session(conn: asyncpg.Connection) -> None:
    """Back in LANGUAGE sql, PostgreSQL up to 17 would plan them again in every
    statement (they call STABLE built-ins, so they are never inlined)."""
    languages = {name: language for name, language in await conn.fetch(
        "SELECT p.proname, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang"
        " WHERE p.proname = ANY($1::text[]) AND p.pronamespace = 'public'::regnamespace",
        ["passerelle_join", "ledger_micros", "ledger_entry_bytes"])}
    assert languages == {"passerelle_join": "plpgsql", "ledger_micros": "plpgsql",
                         "ledger_entry_bytes": "plpgsql"}
