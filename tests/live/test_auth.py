"""WebSocket authentication: the token in the `connection_init` payload or in the
upgrade request's Authorization header; a bad one closes the connection with
4401 and says why."""

from __future__ import annotations

import contextlib

import pytest

from tests.live.support import Closed, Server, head, live_client, register_startup, token


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
