"""The recorder's binary array parameters, round-tripped through PostgreSQL:
what the server reads is exactly what was given (the states feed the hash
chain), for empty arrays too."""

from __future__ import annotations

from typing import cast
from uuid import uuid4

import psycopg

from infra.pg_arrays import ByteaArray, Int8Array, TextArray, UuidArray


def _echo(database_url: str, query: str, *params: object) -> tuple[object, ...]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(query, params).fetchone()
    assert row is not None
    return tuple(row)


def test_each_array_reads_back_as_given(database_url: str) -> None:
    ids = [uuid4(), uuid4()]
    texts = ["Énergie", "l'hydrogène €", "", "x" * 3000]
    states = [b"\x00\x01\xff", b"", bytes(range(256))]
    numbers = [1, -5, 2**62]
    row = _echo(database_url, "SELECT %b::text[], %b::uuid[], %b::bigint[], %b::bytea[]",
                TextArray(texts), UuidArray(ids), Int8Array(numbers), ByteaArray(states))
    assert row == (texts, ids, numbers, states)


def test_uuids_given_as_text_are_sent_as_uuids(database_url: str) -> None:
    stream = uuid4()
    assert _echo(database_url, "SELECT %b::uuid[]", UuidArray([str(stream)])) == ([stream],)


def test_empty_arrays_are_empty_arrays_of_their_type(database_url: str) -> None:
    row = _echo(database_url,
                "SELECT cardinality(%b::text[]), pg_typeof(%b), %b::uuid[], %b::bytea[]",
                TextArray(), UuidArray(), UuidArray(), ByteaArray())
    assert row == (0, "uuid[]", [], [])


def test_the_bytes_hashed_are_the_bytes_given(database_url: str) -> None:
    """sha256 computed by the server over the array's element equals Python's."""
    import hashlib

    state = '{"name": "Café Quantique", "n": 1}'.encode()
    (digest,) = _echo(database_url, "SELECT sha256((%b::bytea[])[1])", ByteaArray([state]))
    assert bytes(cast(bytes, digest)) == hashlib.sha256(state).digest()  # psycopg gives bytes
