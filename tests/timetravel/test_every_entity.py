"""Every single-entity query answers asOf/atVersion from the stream's own
events: at version 1, at a middle version, at a time between two events, and
null before the entity existed. Run over the demo ledger, one entity per type."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from infra.settings import Settings
from server import _load_demo_if_empty
from tests.conftest import TokenFactory
from tests.support.api import Api, running_api

AUDITOR = ("auditeur", "auditor")
QUERIES = {
    "Startup": "startup", "Corporate": "corporate", "Solution": "solution", "Call": "call",
    "Application": "application", "Agreement": "agreement", "PurchaseOrder": "purchaseOrder",
    "Loan": "loan",
}
LEDGER = """query($t: [String!]) { ledger(first: 100, filter: {streamTypes: $t}) {
  nodes { streamId } } }"""


def read(field: str) -> str:
    return f"""query($id: ID!, $asOf: DateTime, $v: Int) {{
      {field}(id: $id, asOf: $asOf, atVersion: $v) {{ version updatedAt }} }}"""


def history(field: str) -> str:
    return f"""query($id: ID!) {{ {field}(id: $id) {{ version
      history(first: 100) {{ nodes {{ version occurredAt }} }} }} }}"""


async def longest_stream(api: Api, stream_type: str) -> str:
    data = await api.data(LEDGER, {"t": [stream_type]}, as_user=AUDITOR)
    counts = Counter(n["streamId"] for n in data["ledger"]["nodes"])
    stream_id, events = counts.most_common(1)[0]
    assert events >= 2, f"the demo has no {stream_type} with 2 events"
    return stream_id


async def version_at(api: Api, field: str, stream_id: str, **point: Any) -> int | None:
    variables = {"id": stream_id, "asOf": point.get("as_of"), "v": point.get("version")}
    entity = (await api.data(read(field), variables, as_user=AUDITOR))[field]
    return entity["version"] if entity else None


def between(earlier: str, later: str) -> str:
    a, b = datetime.fromisoformat(earlier), datetime.fromisoformat(later)
    assert b - a >= timedelta(microseconds=2)
    return (a + (b - a) / 2).isoformat()


@pytest.fixture
async def demo_api(settings: Settings, make_token: TokenFactory) -> Any:
    assert settings.database_url
    await _load_demo_if_empty(settings, settings.database_url)
    async with running_api(settings, make_token) as api:
        yield api


async def test_every_entity_type_reads_as_it_stood_at_any_point(demo_api: Api) -> None:
    for stream_type, field in QUERIES.items():
        stream_id = await longest_stream(demo_api, stream_type)
        nodes = (await demo_api.data(history(field), {"id": stream_id}, as_user=AUDITOR))[
            field]["history"]["nodes"]
        middle = len(nodes) // 2 + 1
        first = datetime.fromisoformat(nodes[0]["occurredAt"])
        assert await version_at(demo_api, field, stream_id, version=1) == 1, stream_type
        assert await version_at(demo_api, field, stream_id, version=middle) == middle, stream_type
        assert await version_at(demo_api, field, stream_id, as_of=between(
            nodes[0]["occurredAt"], nodes[1]["occurredAt"])) == 1, stream_type
        before = (first - timedelta(seconds=1)).isoformat()
        assert await version_at(demo_api, field, stream_id, as_of=before) is None, stream_type
