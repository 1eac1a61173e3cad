"""GraphQL over HTTP as the specification asks: media types, status codes,
methods, bounded bodies and batches (docs/hardening.md, "Protocol")."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.hardening.conftest import LEGACY_TYPE, NEW_TYPE, Serve

VIEWER = "{ viewer { role } }"
FORGET = 'mutation { forgetPerson(input: {userId: "x"}) { userErrors { code } } }'


@pytest.mark.parametrize(("accept", "answered"), [
    (NEW_TYPE, NEW_TYPE),
    (LEGACY_TYPE, LEGACY_TYPE),
    (f"{NEW_TYPE}, {LEGACY_TYPE};q=0.9", NEW_TYPE),
    ("*/*", LEGACY_TYPE),
    (None, LEGACY_TYPE),
])
async def test_a_query_is_answered_in_the_json_media_type_the_client_accepts(
    serve: Serve, accept: str | None, answered: str,
) -> None:
    async with serve() as client:
        response = await client.query(VIEWER, accept=accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == answered
    assert response.json() == {"data": {"viewer": {"role": "VISITOR"}}}


@pytest.mark.parametrize("accept", [NEW_TYPE, LEGACY_TYPE])
async def test_a_body_that_is_not_json_is_a_400(serve: Serve, accept: str) -> None:
    async with serve() as client:
        response = await client.post(b'{"query": "{ viewer { role } }"', accept=accept)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("accept", [NEW_TYPE, LEGACY_TYPE])
async def test_a_document_that_does_not_parse_is_a_400(serve: Serve, accept: str) -> None:
    async with serve() as client:
        response = await client.query("{ viewer { role ", accept=accept)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert error["message"].startswith("Syntax Error")
    assert "data" not in response.json()


@pytest.mark.parametrize("body", [
    {"variables": {}}, {"query": 42}, {"query": VIEWER, "variables": [1]},
    {"query": VIEWER, "operationName": 7}, [1, 2], [],
])
async def test_a_request_that_is_not_a_graphql_request_is_a_400(
    serve: Serve, body: object,
) -> None:
    async with serve() as client:
        response = await client.post(body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


async def test_a_validation_error_is_a_422_under_the_new_media_type_and_a_200_under_json(
    serve: Serve,
) -> None:
    async with serve() as client:
        new = await client.query("{ viewer { nope } }", accept=NEW_TYPE)
        legacy = await client.query("{ viewer { nope } }", accept=LEGACY_TYPE)
    assert (new.status_code, legacy.status_code) == (422, 200)
    for response in (new, legacy):
        body = response.json()
        assert "data" not in body  # refused before execution: no data at all
        assert "Cannot query field 'nope'" in body["errors"][0]["message"]


async def test_a_mutation_over_get_is_a_405_that_allows_post(serve: Serve) -> None:
    async with serve() as client:
        response = await client.http.get("/graphql", params={"query": FORGET},
                                         headers={"accept": LEGACY_TYPE})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_a_query_over_get_runs_with_its_variables(serve: Serve) -> None:
    async with serve() as client:
        response = await client.http.get("/graphql", headers={"accept": NEW_TYPE}, params={
            "query": "query($n: Int) { startups(first: $n) { totalCount } }",
            "variables": '{"n": 3}'})
    assert response.status_code == 200
    assert response.json() == {"data": {"startups": {"totalCount": 0}}}


async def test_a_response_with_data_is_2xx_even_when_a_field_failed(serve: Serve) -> None:
    document = ('{ viewer { role } startup(id: "00000000-0000-0000-0000-000000000001",'
                " atVersion: 0) { id } }")
    async with serve() as client:
        response = await client.query(document, accept=NEW_TYPE)
    body = response.json()
    assert response.status_code == 200
    assert body["data"] == {"viewer": {"role": "VISITOR"}, "startup": None}
    assert body["errors"][0]["path"] == ["startup"]


async def test_a_body_larger_than_the_limit_is_a_413(serve: Serve) -> None:
    padding = "#" * 3000
    async with serve(max_body_bytes=2048) as client:
        small = await client.query(VIEWER)
        declared = await client.query(f"{VIEWER} {padding}")
    assert small.status_code == 200
    assert declared.status_code == 413
    assert declared.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit(serve: Serve) -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ viewer { role } }", "pad": "'
        for _ in range(100):  # 100 kB that never ends as JSON: it must not be read whole
            sent.append(1)
            yield b"x" * 1024

    async with serve(max_body_bytes=4096) as client:
        response = await client.http.post(
            "/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


async def test_a_batch_answers_each_operation_in_order(serve: Serve) -> None:
    batch = [{"query": VIEWER}, {"query": "{ startups { totalCount } }"},
             {"query": "{ viewer { nope } }"}]
    async with serve() as client:
        response = await client.post(batch, accept=NEW_TYPE)
    assert response.status_code == 200
    first, second, third = response.json()
    assert first == {"data": {"viewer": {"role": "VISITOR"}}}
    assert second == {"data": {"startups": {"totalCount": 0}}}
    assert "Cannot query field 'nope'" in third["errors"][0]["message"]


async def test_a_batch_longer_than_the_limit_is_refused_whole(serve: Serve) -> None:
    async with serve(max_batch=2) as client:
        two = await client.post([{"query": VIEWER}] * 2)
        three = await client.post([{"query": VIEWER}] * 3)
    assert two.status_code == 200
    assert three.status_code == 400
    assert "1 to 2 operations" in three.json()["errors"][0]["message"]


async def test_a_body_in_another_media_type_is_a_415(serve: Serve) -> None:
    async with serve() as client:
        response = await client.post(b"query { viewer { role } }",
                                     headers={"content-type": "application/graphql"})
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_a_json_body_with_a_charset_is_accepted(serve: Serve) -> None:
    async with serve() as client:
        response = await client.post({"query": VIEWER},
                                     headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 200


async def test_a_client_that_accepts_no_json_type_gets_a_406(serve: Serve) -> None:
    async with serve() as client:
        response = await client.query(VIEWER, accept="text/plain")
    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


async def test_request_errors_are_answered_in_the_media_type_the_client_accepts(
    serve: Serve,
) -> None:
    async with serve(max_batch=1) as client:
        not_json = await client.post(b"{", accept=NEW_TYPE)
        too_many = await client.post([{"query": VIEWER}] * 2, accept=NEW_TYPE)
        over_get = await client.http.get("/graphql", params={"query": FORGET},
                                         headers={"accept": NEW_TYPE})
    for response in (not_json, too_many, over_get):
        assert response.headers["content-type"] == NEW_TYPE, response


async def test_graphiql_is_served_to_browsers_in_development_and_not_in_production(
    serve: Serve,
) -> None:
    browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    async with serve() as client:
        development = await client.http.get("/graphql", headers=browser)
    async with serve(env="production") as client:
        production = await client.http.get("/graphql", headers=browser)
    assert development.status_code == 200 and "graphiql" in development.text.lower()
    assert production.status_code == 400  # no query: nothing to run, and no IDE


async def test_a_nul_character_in_any_string_is_refused_before_it_reaches_the_database(
    serve: Serve,
) -> None:
    search = "query($s: String) { startups(filter: {search: $s}) { totalCount } }"
    async with serve() as client:
        inline = await client.query('{ startups(filter: {search: "a\\u0000b"}) { totalCount } }')
        braced = await client.query('{ startups(filter: {search: "a\\u{0}b"}) { totalCount } }')
        variable = await client.query(search, {"s": "a\x00b"})
        key = await client.query(search, {"s": "ab", "x\x00": 1})
        fine = await client.query(search, {"s": "ab"})
    for refused in (inline, variable, key):
        assert refused.status_code == 400, refused.text
        assert "NUL character" in refused.json()["errors"][0]["message"]
    assert braced.status_code == 400  # refused, whether the parser knows \u{...} or not
    assert fine.json() == {"data": {"startups": {"totalCount": 0}}}
