"""Subscription.ledger end to end, over a real WebSocket against a real server:
catch-up then live, in order, with no gap and no duplicate; resuming; filters; limits."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.live.support import (
    BulkWriter,
    Closed,
    LiveClient,
    Server,
    head,
    ledger_positions,
    live_client,
    register_startup,
    token,
)

AUDITOR = token("auditor-1", "auditor")


async def _follow(
    server: Server, after: int, delay: float, final: asyncio.Future[int],
) -> list[int]:
    """Subscribes after `delay`; returns the positions received up to the writers'
    last one (messages wait in the socket until the writers are done)."""
    await asyncio.sleep(delay)
    async with live_client(server.ws_url, AUDITOR) as client:
        await client.subscribe(after=after)
        entries = await client.entries_until(await final)
    return [e["position"] for e in entries]


async def test_catch_up_then_live_delivers_each_position_once_in_order_while_writes_race_the_switch(
    server: Server, writer: BulkWriter,
) -> None:
    startup = await register_startup(server.url, "race-founder", 101)
    await writer.append_async(startup, 60)  # a backlog read in pages of 7
    after = await head(server.url) - 45
    final: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def write_while_they_subscribe() -> None:
        last = 0
        for _ in range(30):
            last = await writer.append_async(startup, 3)
            await asyncio.sleep(0.01)
        final.set_result(last)

    followers = [_follow(server, after, delay, final) for delay in (0, 0.05, 0.15, 0.3, 0.5)]
    *received, _ = await asyncio.wait_for(
        asyncio.gather(*followers, write_while_they_subscribe()), timeout=20)
    for positions in received:
        assert positions == list(range(after + 1, final.result() + 1))


async def test_reconnecting_with_the_last_position_seen_resumes_exactly(
    server: Server, writer: BulkWriter,
) -> None:
    startup = await register_startup(server.url, "resume-founder", 102)
    first = await head(server.url)
    await writer.append_async(startup, 10)
    async with live_client(server.ws_url, AUDITOR) as client:
        await client.subscribe(after=first)
        before = await client.entries_until(first + 4)
    last = await writer.append_async(startup, 10)
    async with live_client(server.ws_url, AUDITOR) as client:
        await client.subscribe(after=before[-1]["position"])
        after = await client.entries_until(last)
    assert [e["position"] for e in before + after] == list(range(first + 1, last + 1))


async def test_a_filter_keeps_the_entries_query_ledger_keeps(
    server: Server, writer: BulkWriter,
) -> None:
    wanted = await register_startup(server.url, "filter-founder", 103)
    other = await register_startup(server.url, "filter-other", 104)
    start = await head(server.url)
    for stream in (wanted, other, wanted):
        await writer.append_async(stream, 3)
    flt = {"streamIds": [wanted], "eventTypes": ["LabelRevoked"], "streamTypes": ["Startup"]}
    expected = await ledger_positions(server.url, AUDITOR, start, flt)
    async with live_client(server.ws_url, AUDITOR) as client:
        await client.subscribe(after=start, filter=flt, fields="position streamId type")
        entries = await client.entries_until(expected[-1])
    assert [e["position"] for e in entries] == expected
    assert {(e["streamId"], e["type"]) for e in entries} == {(wanted, "LabelRevoked")}


async def _error_of(client: LiveClient, op: str) -> str:
    message = await client.message()
    assert (message["type"], message["id"]) in {("error", op), ("next", op)}, message
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    return str(errors[0]["message"])


async def test_a_connection_holds_at_most_the_configured_number_of_subscriptions(
    server: Server,
) -> None:
    async with live_client(server.ws_url, AUDITOR) as client:
        position = await head(server.url)
        for op in ("1", "2", "3", "4"):  # the test server allows 3
            await client.subscribe(after=position, op=op)
        assert "limit" in await _error_of(client, "4")


async def test_a_negative_position_is_refused(server: Server) -> None:
    async with live_client(server.ws_url, AUDITOR) as client:
        await client.subscribe(after=-1)
        assert "0 or more" in await _error_of(client, "1")


async def test_a_visitor_may_not_follow_the_ledger(server: Server) -> None:
    async with live_client(server.ws_url, None) as client:
        await client.subscribe(after=0)
        assert "Sign in" in await _error_of(client, "1")


@pytest.mark.parametrize(("query", "said"), [
    ("subscription { ledger(", "Syntax Error: Expected Name, found <EOF>."),
    ("subscription { " + "ledger { position } " * 2000 + "}", "more than 5000 tokens"),
])
async def test_a_document_that_does_not_parse_is_refused_with_the_reason(
        server: Server, query: str, said: str) -> None:
    """Not a bare `complete` (what strawberry's ParserCache path sent): strawberry's
    handler closes with 4400 (Bad Request) and the syntax error as the reason."""
    async with live_client(server.ws_url, AUDITOR) as client:
        await client.ws.send(json.dumps({"id": "bad", "type": "subscribe",
                                         "payload": {"query": query}}))
        with pytest.raises(Closed) as closed:
            await client.message()
    assert closed.value.code == 4400 and said in closed.value.reason
