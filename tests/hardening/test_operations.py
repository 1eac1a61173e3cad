"""What operators look at: /healthz, /readyz (database and projection lag),
/metrics in the Prometheus format with bounded label values."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from infra import observability
from infra.observability import BoundedLabels
from tests.hardening.conftest import Client, Serve
from tests.hardening.support import LabelWriter

METRICS = {
    "passerelle_http_request_seconds", "passerelle_graphql_operation_seconds",
    "passerelle_commands", "passerelle_projection_position", "passerelle_projection_lag",
    "passerelle_ledger_head", "passerelle_subscribers", "passerelle_pool_connections",
    "passerelle_live_messages",
}


async def last_stream(client: Client) -> str:
    """The stream of the last ledger entry (read models may be empty here)."""
    return str(await client.endpoint.pool.fetchval(
        "SELECT originator_id FROM ledger_events ORDER BY notification_id DESC LIMIT 1"))


async def register_unprojected(client: Client) -> str:
    response = await client.query(
        'mutation { registerStartup(input: {name: "Lagging", siren: "732829320",'
        ' description: "x", contactName: "A", contactEmail: "a@x.fr"}) { userErrors { code } } }',
        as_user=("founder", "startup"))
    assert response.json() == {"data": {"registerStartup": {"userErrors": []}}}
    return await last_stream(client)


async def append(client: Client, startup: str, events: int) -> None:
    writer = LabelWriter(client.app.state.runtime.database_url)
    try:
        await writer.append_async(startup, events)
    finally:
        writer.close()


async def samples(client: Client) -> dict[str, list[tuple[dict[str, str], float]]]:
    response = await client.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found.setdefault(family.name, []).append((sample.labels, sample.value))
    return found


async def test_healthz_answers_while_the_process_lives(serve: Serve) -> None:
    async with serve(run_projector=False) as client:
        response = await client.http.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_fails_while_projections_lag_more_than_the_setting(serve: Serve) -> None:
    async with serve(run_projector=False, ready_max_lag=3, projection_wait_seconds=0) as client:
        empty = await client.http.get("/readyz")
        runtime = client.app.state.runtime
        await runtime.projector.ensure_tracking()
        startup = await register_unprojected(client)
        await append(client, startup, 3)  # head 4, nothing projected
        lagging = await client.http.get("/readyz")
        await runtime.projector.run_once()
        caught_up = await client.http.get("/readyz")
    assert (empty.status_code, empty.json()["lag"]) == (200, 0)
    assert lagging.status_code == 503
    assert lagging.json() == {"status": "projections lagging", "head": 4, "lag": 4}
    assert (caught_up.status_code, caught_up.json()["lag"]) == (200, 0)


async def test_readyz_counts_a_ledger_no_projector_ever_ran_on_as_lagging(serve: Serve) -> None:
    async with serve(run_projector=False, ready_max_lag=3, projection_wait_seconds=0) as client:
        startup = await register_unprojected(client)
        await append(client, startup, 4)
        response = await client.http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["lag"] == 5


async def test_metrics_expose_requests_operations_commands_projections_and_pools(
    serve: Serve,
) -> None:
    async with serve(access_log=True) as client:
        await client.register_startup("founder", 1)
        await client.query("query Who { viewer { role } }")
        found = await samples(client)
    assert found.keys() >= METRICS
    assert any(labels == {"route": "/graphql", "method": "POST", "status": "200"}
               for labels, _ in found["passerelle_http_request_seconds"])
    assert any(labels.get("operation") == "Who" and labels.get("type") == "query"
               for labels, _ in found["passerelle_graphql_operation_seconds"])
    assert any(labels == {"mutation": "registerStartup", "outcome": "OK"} and value >= 1
               for labels, value in found["passerelle_commands"])
    assert ({"projection": "organisations"}, 1.0) in found["passerelle_projection_position"]
    assert found["passerelle_ledger_head"] == [({}, 1.0)]
    assert found["passerelle_projection_lag"] == [({}, 0.0)]
    assert {labels["state"] for labels, _ in found["passerelle_pool_connections"]} == {
        "open", "idle"}
    assert {labels["path"] for labels, _ in found["passerelle_live_messages"]} == {
        "direct", "wire", "asgi", "executed"}


async def test_metric_labels_chosen_by_clients_stay_bounded(
    serve: Serve, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(observability, "OPERATION_NAMES", BoundedLabels(limit=3))
    monkeypatch.setattr("schema.http.OPERATION_NAMES", observability.OPERATION_NAMES)
    async with serve(access_log=True) as client:
        for n in range(8):
            await client.query(f"query Scan{n} {{ viewer {{ role }} }}")
            await client.http.get(f"/wp-admin/scan-{n}.php")
        found = await samples(client)
    operations = {labels["operation"]
                  for labels, _ in found["passerelle_graphql_operation_seconds"]}
    routes = {labels["route"] for labels, _ in found["passerelle_http_request_seconds"]}
    assert {f"Scan{n}" for n in range(8)} & operations == {"Scan0", "Scan1", "Scan2"}
    assert "other" in operations
    assert not any(route.startswith("/wp-admin") for route in routes)
    assert "other" in routes


async def test_request_metrics_are_kept_when_access_logs_are_off(serve: Serve) -> None:
    async with serve(access_log=False) as client:
        before = await graphql_requests(client)
        await client.query("query Quiet { viewer { role } }")
        after = await graphql_requests(client)
    assert after == before + 1


async def graphql_requests(client: Client) -> float:
    """How many POST /graphql answered 200 so far (the registry is the process's)."""
    text = (await client.http.get("/metrics")).text
    return sum(sample.value for family in text_string_to_metric_families(text)
               for sample in family.samples
               if sample.name == "passerelle_http_request_seconds_count"
               and sample.labels == {"route": "/graphql", "method": "POST", "status": "200"})
