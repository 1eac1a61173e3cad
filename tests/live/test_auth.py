"""WebSocket authentication: the token in the `connection_init` payload or in the
upgrade request's Authorization header; a bad one closes the connection with
4401 and says why; refusals count against the client's IP rate limit."""

from __future__ import annotations

import contextlib
import re

import httpx
import pytest

from tests.live.support import Closed, Server, head, live_client, register_startup, token
from tests.support.servers import running
from tests.support.waiting import away_from_a_window_edge


async def test_the_connection_init_token_is_the_viewer(server: Server) -> None:
    await register_startup(server.url, "init-founder", 121)
    last = await head(server.url)
    async with live_client(server.ws_url, token("init-aud", "auditor")) as client:
        await client.subscribe(after=last - 1)
        assert [e["position"] for e in await client.entries_until(last)] == [last]


async def test_the_upgrade_request_token_is_the_viewer(server: Server) -> None:
    await register_startup(server.url, "header-founder", 122)
    last = await head(server.url)
    async with live_client(server.ws_url, None, header=token("hdr-aud", "auditor")) as client:
        await client.subscribe(after=last - 1)
        assert [e["position"] for e in await client.entries_until(last)] == [last]


async def test_an_invalid_connection_init_token_closes_with_4401_and_the_reason(
    server: Server,
) -> None:
    async with live_client(server.ws_url, init=False) as client:
        with pytest.raises(Closed) as closed:
            await client.init("not-a-jwt")
    assert closed.value.code == 4401
    assert closed.value.reason.startswith("Invalid token: token is malformed")


async def test_an_invalid_upgrade_request_token_closes_with_4401_and_the_reason(
    server: Server,
) -> None:
    forged = token("hdr-aud", "auditor")[:-4] + "AAAA"
    async with live_client(server.ws_url, header=forged, init=False) as client:
        with pytest.raises(Closed) as closed:
            await client.message()
    assert (closed.value.code, closed.value.reason) == (
        4401, "Invalid token: token signature is invalid")


async def test_a_token_opens_at_most_the_configured_number_of_connections(server: Server) -> None:
    bearer = token("conn-cap", "auditor")
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(6):  # the server fixture allows 6 per token
            await stack.enter_async_context(live_client(server.ws_url, bearer))
        async with live_client(server.ws_url, init=False) as extra:
            with pytest.raises(Closed) as closed:
                await extra.init(bearer)
    assert (closed.value.code, closed.value.reason) == (4429, "Too many connections for this token")
    async with live_client(server.ws_url, bearer) as again:  # closing freed the slots
        assert again is not None


async def refused_at_upgrade(ws_url: str, bearer: str) -> tuple[int | None, str]:
    async with live_client(ws_url, header=bearer, init=False) as client:
        with pytest.raises(Closed) as closed:
            await client.message()
    return closed.value.code, closed.value.reason


async def refused_at_init(ws_url: str, bearer: str,
                          header: str | None = None) -> tuple[int | None, str]:
    async with live_client(ws_url, header=header, init=False) as client:
        with pytest.raises(Closed) as closed:
            await client.init(bearer)
    return closed.value.code, closed.value.reason


async def test_tokens_refused_over_websocket_count_against_the_ip(database_url: str) -> None:
    """Either way of sending a token counts, as an HTTP 401 does: past the IP's
    limit the answer is 4429 and when to retry, and the IP's HTTP requests are
    limited too. A valid token still connects (WebSocket connections are not
    rate limited, only counted per token)."""
    with running(database_url, PASSERELLE_RATE_LIMIT_PER_IP="3") as server:
        await away_from_a_window_edge()
        within = [await refused_at_upgrade(server.ws_url, "not-a-jwt"),
                  await refused_at_init(server.ws_url, "not-a-jwt"),
                  await refused_at_upgrade(server.ws_url, "still-not-a-jwt")]
        # Counted against the IP even after a valid upgrade token named a user.
        beyond = [await refused_at_init(server.ws_url, "not-a-jwt-either",
                                        header=token("ws-ip-user", "startup")),
                  await refused_at_upgrade(server.ws_url, "nor-this")]
        async with httpx.AsyncClient() as http:
            visitor = await http.post(server.url, json={"query": "{ viewer { role } }"})
        async with live_client(server.ws_url, token("ws-ip-aud", "auditor")) as valid:
            assert valid is not None
    assert [code for code, _ in within] == [4401] * 3
    assert all(reason.startswith("Invalid token: ") for _, reason in within)
    for code, reason in beyond:
        assert code == 4429
        match = re.fullmatch(r"Too many requests: retry in (\d+) s", reason)
        assert match and 1 <= int(match[1]) <= 60, reason
    assert visitor.status_code == 429
