"""Per-token and per-IP request rate limits, counted in PostgreSQL so that every
instance shares them, answered with 429 and Retry-After."""

from __future__ import annotations

import httpx

from schema.ratelimit import WINDOW_SECONDS as WINDOW
from schema.ratelimit import RateLimiter, RateLimitMiddleware
from tests.hardening.conftest import Client, Serve
from tests.support.waiting import away_from_a_window_edge

VIEWER = "{ viewer { role } }"


async def burst(client: Client, count: int, as_user: tuple[str, str] | None = None,
                ) -> list[httpx.Response]:
    return [await client.query(VIEWER, as_user=as_user) for _ in range(count)]


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429
    wait = int(response.headers["retry-after"])
    assert 1 <= wait <= WINDOW
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": wait}


async def test_a_signed_in_user_beyond_the_limit_gets_429_with_retry_after(
    serve: Serve,
) -> None:
    async with serve(rate_limit_per_token=3) as client:
        await away_from_a_window_edge()
        allowed = await burst(client, 3, as_user=("ann", "startup"))
        refused = await client.query(VIEWER, as_user=("ann", "startup"))
        another_user = await client.query(VIEWER, as_user=("bob", "startup"))
    assert [r.status_code for r in allowed] == [200] * 3
    assert_limited(refused)
    assert another_user.status_code == 200


async def test_visitors_beyond_the_limit_of_their_ip_get_429(serve: Serve) -> None:
    async with serve(rate_limit_per_ip=3, ip="198.51.100.1") as one, \
            serve(rate_limit_per_ip=3, ip="198.51.100.2") as other:
        await away_from_a_window_edge()
        allowed = await burst(one, 3)
        refused = await one.query(VIEWER)
        other_ip = await other.query(VIEWER)
    assert [r.status_code for r in allowed] == [200] * 3
    assert_limited(refused)
    assert other_ip.status_code == 200


async def test_requests_refused_for_their_token_count_against_their_ip(serve: Serve) -> None:
    async with serve(rate_limit_per_ip=3, ip="198.51.100.3") as client:
        await away_from_a_window_edge()
        refused = [await client.post({"query": VIEWER}, token="not-a-token") for _ in range(3)]
        guessing_on = await client.post({"query": VIEWER}, token="still-not-a-token")
        elsewhere = await client.http.get("/healthz", headers={"authorization": "Bearer x"})
        visitor_after = await client.query(VIEWER)
    assert [r.status_code for r in refused] == [401] * 3
    assert_limited(elsewhere)  # any path: a 401 there would tell the token is wrong
    assert_limited(guessing_on)
    assert_limited(visitor_after)  # the same bucket: the IP's


async def test_two_instances_on_one_database_share_the_count(serve: Serve) -> None:
    limits = {"rate_limit_per_token": 4, "rate_limit_per_ip": 4}
    async with serve(**limits) as a, serve(**limits) as b:
        await away_from_a_window_edge()
        allowed = [await client.query(VIEWER, as_user=("ann", "startup"))
                   for client in (a, b, a, b)]
        refused_by_a = await a.query(VIEWER, as_user=("ann", "startup"))
        refused_by_b = await b.query(VIEWER, as_user=("ann", "startup"))
        visitors = [*await burst(a, 2), *await burst(b, 2)]
        visitor_refused = await a.query(VIEWER)
    assert [r.status_code for r in allowed + visitors] == [200] * 8
    assert_limited(refused_by_a)
    assert_limited(refused_by_b)
    assert_limited(visitor_refused)


async def test_health_and_metrics_are_not_rate_limited(serve: Serve) -> None:
    async with serve(rate_limit_per_ip=1) as client:
        await away_from_a_window_edge()
        probes = [await client.http.get(path) for path in ("/healthz", "/readyz", "/metrics") * 3]
    assert {r.status_code for r in probes} == {200}


async def test_the_buckets_of_past_windows_are_pruned(serve: Serve) -> None:
    async with serve(rate_limit_per_ip=1000) as client:
        pool = client.endpoint.pool
        await pool.execute("INSERT INTO rate_limits (bucket, window_start, hits)"
                           " VALUES ('ip:192.0.2.9', now() - interval '1 hour', 7)")
        await burst(client, 1)
        limiter = _rate_limiter(client)
        limiter.prune_every = 3
        await burst(client, 3)
        left = await pool.fetch("SELECT bucket FROM rate_limits")
    assert [r["bucket"] for r in left] == ["ip:203.0.113.7"]


def _rate_limiter(client: Client) -> RateLimiter:
    app = client.app.middleware_stack
    while not isinstance(app, RateLimitMiddleware):
        app = app.app  # type: ignore[union-attr]
    return app.limiter
