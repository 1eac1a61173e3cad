"""Resources end to end: published by operators, read by everyone, searched in
French and English."""

from __future__ import annotations

from typing import Any

from tests.content.support import ERRORS, OPERATOR, codes, mutate
from tests.support.api import Api

PUBLISH = f"""mutation($i: PublishResourceInput!) {{ publishResource(input: $i) {{
  resource {{ id kind title tags version }} {ERRORS} }} }}"""
SEARCH = """query($search: String, $kind: ResourceKind) {
  resources(search: $search, kind: $kind) { totalCount nodes { title } } }"""
NODE = "query($id: ID!) { node(id: $id) { ... on Resource { title kind } } }"


def resource(kind: str, title: str, body: str, **extra: Any) -> dict[str, Any]:
    return {"i": {"kind": kind, "title": title, "body": body, "tags": ["pilote"], **extra}}


async def publish(api: Api, variables: dict[str, Any],
                  as_user: tuple[str, str] | None = OPERATOR) -> dict[str, Any]:
    return await mutate(api, PUBLISH, "publishResource", variables, as_user)


async def titles(api: Api, search: str | None = None, kind: str | None = None) -> list[str]:
    data = await api.data(SEARCH, {"search": search, "kind": kind})
    return [n["title"] for n in data["resources"]["nodes"]]


async def test_an_operator_publishes_a_resource_that_everyone_reads(api: Api) -> None:
    payload = await publish(api, resource("GUIDE", "Réussir un pilote", "Critères de succès."))
    assert payload["userErrors"] == []
    assert payload["resource"] == {"id": payload["resource"]["id"], "kind": "GUIDE",
                                   "title": "Réussir un pilote", "tags": ["pilote"], "version": 1}
    assert await titles(api) == ["Réussir un pilote"]
    node = await api.data(NODE, {"id": payload["resource"]["id"]})
    assert node["node"] == {"title": "Réussir un pilote", "kind": "GUIDE"}


async def test_only_operators_publish_resources(api: Api) -> None:
    refused = await publish(api, resource("GUIDE", "Guide", "Texte"), ("alice", "startup"))
    assert codes(refused) == [("FORBIDDEN", [])]
    visitor = await api.gql(PUBLISH, resource("GUIDE", "Guide", "Texte"))
    assert visitor["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await titles(api) == []


async def test_a_resource_needs_a_title(api: Api) -> None:
    payload = await publish(api, resource("ARTICLE", "  ", "Texte"))
    assert codes(payload) == [("INVALID", ["input", "title"])]


async def test_a_retried_publication_returns_the_first_resource(api: Api) -> None:
    variables = resource("TEMPLATE", "Modèle de NDA", "Texte", idempotencyKey="nda-1")
    first, retry = await publish(api, variables), await publish(api, variables)
    assert first["resource"]["id"] == retry["resource"]["id"]
    assert await titles(api) == ["Modèle de NDA"]


async def test_resources_are_searched_in_french_and_english_without_accents(api: Api) -> None:
    await publish(api, resource("GUIDE", "La propriété intellectuelle partagée",
                                "Licences et copropriété des résultats."))
    await publish(api, resource("ARTICLE", "Scaling pilots to deployment",
                                "Purchase orders after a successful pilot."))
    await publish(api, resource("TEMPLATE", "Modèle d'accord de confidentialité", "Texte."))
    assert await titles(api, "propriete intellectuelle") == [
        "La propriété intellectuelle partagée"]
    assert await titles(api, "licence") == ["La propriété intellectuelle partagée"]
    assert await titles(api, "ordered pilot") == ["Scaling pilots to deployment"]
    assert await titles(api, "confidentialite", kind="TEMPLATE") == [
        "Modèle d'accord de confidentialité"]
    assert await titles(api, kind="VIDEO") == []
