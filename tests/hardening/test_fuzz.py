"""GraphQL fuzzing with schemathesis: documents generated from the served
schema (every query and mutation field, valid and invalid arguments), sent as
visitors and as signed-in members of the demo organisations, never produce an
internal error. Bounded: a few hundred documents in all."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest
import schemathesis
from anyio.from_thread import BlockingPortal, start_blocking_portal
from graphql import get_introspection_query
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.graphql import nodes

from infra.auth import issue_token
from infra.settings import Settings
from schema.http import MASKED
from server import _load_demo_if_empty, create_app
from tests.conftest import TEST_JWT_SECRET
from tests.support.db import TemplateDatabases

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))  # per test: ~6 s per 300 here


@dataclass
class Target:
    """The app running in a thread's event loop, for synchronous hypothesis tests."""

    portal: BlockingPortal
    http: httpx.AsyncClient
    schema: Any  # schemathesis.graphql GraphQLSchema
    tokens: list[str | None]
    ids: list[str]
    members: int
    strategies: dict[str, Any] = field(default_factory=dict)

    def post(self, document: str, token: str | None) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return self.portal.call(lambda: self.http.post(
            "/graphql", json={"query": document}, headers=headers))


async def _ids_and_users(database_url: str) -> tuple[list[str], list[tuple[str, str]]]:
    conn = await asyncpg.connect(database_url)
    try:
        ids = [str(r[0]) for r in await conn.fetch(
            "SELECT DISTINCT originator_id FROM ledger_events")]
        users = [(r["user_id"], r["kind"].lower()) for r in await conn.fetch(
            "SELECT DISTINCT m.user_id, o.kind FROM organisation_members m"
            " JOIN organisations o ON o.id = m.organisation_id ORDER BY 1 LIMIT 12")]
    finally:
        await conn.close()
    return ids, users


def _register_scalars(ids: list[str]) -> None:
    """Strategies for the schema's custom scalars, and ids that name real entities
    half of the time (random strings only ever find nothing)."""
    junk = st.text(max_size=12)
    schemathesis.graphql.scalar("ID", st.one_of(st.sampled_from(ids), junk).map(nodes.String))
    decimals = st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str)
    schemathesis.graphql.scalar("Decimal", st.one_of(decimals, junk).map(nodes.String))
    schemathesis.graphql.scalar("JSON", st.one_of(junk.map(nodes.String),
                                                  st.integers().map(nodes.Int)))


@pytest.fixture(scope="module")
def target(_template_databases: TemplateDatabases, tmp_path_factory: pytest.TempPathFactory,
           ) -> Iterator[Target]:
    """One app on a database of demo data for the whole module (loading it takes
    seconds); settings as the `settings` fixture makes them."""
    name, url = _template_databases.clone()
    with pytest.MonkeyPatch.context() as env:
        for variable in list(os.environ):
            if variable.upper().startswith("PASSERELLE_") or variable.upper() == "DATABASE_URL":
                env.delenv(variable)
        settings = Settings(database_url=url, jwt_secret=TEST_JWT_SECRET,
                            data_dir=tmp_path_factory.mktemp("fuzz"), rate_limit_per_token=0,
                            rate_limit_per_ip=0, access_log=False)
        try:
            yield from _serving(settings, url)
        finally:
            _template_databases.drop_later(name)


def _serving(settings: Settings, url: str) -> Iterator[Target]:
    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, Any], Any]]:
        await _load_demo_if_empty(settings, url)
        ids, users = await _ids_and_users(url)
        app = create_app(settings, url)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://fuzz",
                                         timeout=30) as http:
                introspection = (await http.post(
                    "/graphql", json={"query": get_introspection_query()})).json()
                yield http, {"ids": ids, "users": users}, introspection

    with start_blocking_portal() as portal, \
            portal.wrap_async_context_manager(running()) as (http, found, introspection):
        _register_scalars(found["ids"])
        tokens: list[str | None] = [None, _token(settings, "fuzz-operator", "operator"),
                                    _token(settings, "fuzz-auditor", "auditor")]
        tokens += [_token(settings, user, role) for user, role in found["users"]]
        yield Target(portal, http, schemathesis.graphql.from_dict(introspection), tokens,
                     found["ids"], len(found["users"]))


def _token(settings: Settings, sub: str, role: str) -> str:
    return issue_token(settings, sub=sub, role=role)


def _check(target: Target, document: str, token: str | None) -> None:
    response = target.post(document, token)
    assert response.status_code < 500, (document, response.text)
    body = response.json()
    errors = body if isinstance(body, list) else body.get("errors") or []
    internal = [e for e in errors if e.get("message") == MASKED
                or e.get("extensions", {}).get("code") == "INTERNAL_SERVER_ERROR"]
    assert not internal, (document, token and token[:12], internal)


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, database=None,
    # No shrinking: it can take minutes on documents this size; the first failing
    # document is in the assertion message.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def _operations(target: Target, kind: str) -> Any:
    """Cases of every root field of one kind, valid arguments and invalid ones
    (built once per test: building them is what takes time)."""
    if kind not in target.strategies:
        picked = target.schema.include(name_regex=f"^{kind}\\.")
        target.strategies[kind] = st.one_of(picked.as_strategy(GenerationMode.POSITIVE),
                                            picked.as_strategy(GenerationMode.NEGATIVE))
    return target.strategies[kind]


@FUZZ_SETTINGS
@given(data=st.data())
def test_no_generated_query_is_an_internal_error(target: Target, data: st.DataObject) -> None:
    case = data.draw(_operations(target, "Query"), label="case")
    token = data.draw(st.sampled_from(target.tokens), label="viewer")
    _check(target, case.body, token)


@FUZZ_SETTINGS
@given(data=st.data())
def test_no_generated_mutation_is_an_internal_error(target: Target, data: st.DataObject) -> None:
    case = data.draw(_operations(target, "Mutation"), label="case")
    token = data.draw(st.sampled_from(target.tokens), label="viewer")
    _check(target, case.body, token)


def test_the_fuzzer_works_on_real_entities_as_their_members(target: Target) -> None:
    """Guard: the fuzzing means something only if its ids name real things and
    its signed-in viewers belong to real organisations."""
    assert len(target.ids) > 100 and target.members >= 6
    response = target.post(f'{{ node(id: "{target.ids[0]}") {{ id }} }}', target.tokens[2])
    assert response.json() == {"data": {"node": {"id": target.ids[0]}}}
