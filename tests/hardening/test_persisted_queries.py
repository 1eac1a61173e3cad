"""Automatic persisted queries (Apollo's sha256Hash extension) and the
production allow-list (PASSERELLE_PERSISTED_ONLY=1)."""

from __future__ import annotations

from typing import Any

import orjson

from schema.persisted import PersistedQueries, sha256_hex
from tests.hardening.conftest import NEW_TYPE, Serve

DOCUMENT = "query Figures { startups { totalCount } }"
OTHER = "query Other { corporates { totalCount } }"
ANSWER = {"data": {"startups": {"totalCount": 0}}}


def persisted(sha: str, query: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}
    if query is not None:
        body["query"] = query
    return body


async def test_an_unknown_hash_answers_persisted_query_not_found(serve: Serve) -> None:
    async with serve() as client:
        response = await client.post(persisted(sha256_hex(DOCUMENT)))
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert error["message"] == "PersistedQueryNotFound"  # what Apollo clients look for


async def test_a_document_sent_with_its_hash_is_learnt_and_then_runs_from_the_hash_alone(
    serve: Serve,
) -> None:
    sha = sha256_hex(DOCUMENT)
    async with serve() as client:
        first = await client.post(persisted(sha, DOCUMENT))
        again = await client.post(persisted(sha), accept=NEW_TYPE)
        over_get = await client.http.get("/graphql", params={
            "extensions": orjson.dumps(persisted(sha)["extensions"]).decode()})
    assert first.json() == ANSWER
    assert (again.status_code, again.json()) == (200, ANSWER)
    assert (over_get.status_code, over_get.json()) == (200, ANSWER)


async def test_a_learnt_hash_is_known_to_every_instance(serve: Serve) -> None:
    sha = sha256_hex(DOCUMENT)
    async with serve() as a, serve() as b:
        await a.post(persisted(sha, DOCUMENT))
        response = await b.post(persisted(sha))
    assert response.json() == ANSWER


async def test_a_hash_that_does_not_match_the_document_is_a_400(serve: Serve) -> None:
    async with serve() as client:
        response = await client.post(persisted(sha256_hex(OTHER), DOCUMENT))
        later = await client.post(persisted(sha256_hex(OTHER)))
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    # and nothing was learnt under the wrong hash
    assert later.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_in_allow_list_mode_an_unregistered_document_is_refused(serve: Serve) -> None:
    async with serve(persisted_only=True) as client:
        as_text = await client.query(DOCUMENT)
        with_hash = await client.post(persisted(sha256_hex(DOCUMENT), DOCUMENT))
        hash_only = await client.post(persisted(sha256_hex(DOCUMENT)))
    assert as_text.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
    assert with_hash.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
    assert hash_only.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    for response in (as_text, with_hash, hash_only):
        assert "data" not in response.json()


async def test_in_allow_list_mode_a_registered_document_runs_by_hash_or_by_text(
    serve: Serve,
) -> None:
    async with serve(persisted_only=True) as client:
        registry: PersistedQueries | None = client.endpoint.persisted
        assert registry is not None
        sha = await registry.register(DOCUMENT)
        by_hash = await client.post(persisted(sha))
        by_text = await client.query(DOCUMENT)
        other = await client.query(OTHER)
    assert by_hash.json() == ANSWER
    assert by_text.json() == ANSWER
    assert other.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"


async def test_in_allow_list_mode_a_document_learnt_by_apq_earlier_stays_refused(
    serve: Serve,
) -> None:
    sha = sha256_hex(DOCUMENT)
    async with serve() as learning:
        assert (await learning.post(persisted(sha, DOCUMENT))).json() == ANSWER
    async with serve(persisted_only=True) as client:
        response = await client.post(persisted(sha))
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_only_documents_that_parse_and_validate_are_learnt(serve: Serve) -> None:
    garbage, invalid = "{ this is not graphql", "{ startups { nope } }"
    async with serve() as client:
        refused = [await client.post(persisted(sha256_hex(d), d)) for d in (garbage, invalid)]
        later = [await client.post(persisted(sha256_hex(d))) for d in (garbage, invalid)]
        stored = await client.endpoint.pool.fetchval("SELECT count(*) FROM persisted_queries")
    assert [r.status_code for r in refused] == [400, 200]  # 200: legacy JSON validation error
    assert [r.json()["errors"][0]["extensions"]["code"] for r in later] == [
        "PERSISTED_QUERY_NOT_FOUND"] * 2
    assert stored == 0
