"""Each subscriber receives exactly what Query.ledger shows it, live included:
startup members their organisations' streams, integrators what their `orgs`
see, auditors everything."""

from __future__ import annotations

import contextlib

from tests.live.support import (
    BulkWriter,
    Server,
    head,
    ledger_positions,
    live_client,
    register_startup,
    token,
)


async def test_each_role_receives_what_query_ledger_shows_it(
    server: Server, writer: BulkWriter,
) -> None:
    alices = await register_startup(server.url, "vis-alice", 111)
    bobs = await register_startup(server.url, "vis-bob", 112)
    start = await head(server.url) - 2  # both registrations come through catch-up
    viewers = {"alice": token("vis-alice", "startup"), "bob": token("vis-bob", "startup"),
               "integrator": token("vis-int", "integrator", (alices,)),
               "operator": token("vis-op", "operator"), "auditor": token("vis-aud", "auditor")}
    async with contextlib.AsyncExitStack() as stack:
        clients = {name: await stack.enter_async_context(live_client(server.ws_url, bearer))
                   for name, bearer in viewers.items()}
        for client in clients.values():
            await client.subscribe(after=start)
        for stream in (alices, bobs, alices):  # live, after they subscribed
            await writer.append_async(stream, 2)
        expected = {name: await ledger_positions(server.url, bearer, start)
                    for name, bearer in viewers.items()}
        for name, client in clients.items():
            received = await client.entries_until(expected[name][-1])
            assert [e["position"] for e in received] == expected[name], name
    assert expected["integrator"] == expected["alice"]
    assert set(expected["alice"]).isdisjoint(expected["bob"])
    assert expected["auditor"] == sorted(expected["alice"] + expected["bob"])


async def test_a_member_receives_the_organisation_it_registers_while_subscribed(
    server: Server, writer: BulkWriter,
) -> None:
    someone_elses = await register_startup(server.url, "join-other", 113)
    start = await head(server.url)
    carol = token("join-carol", "startup")
    async with live_client(server.ws_url, carol) as client:
        await client.subscribe(after=start, fields="position streamId type")
        hers = await register_startup(server.url, "join-carol", 114)
        await writer.append_async(someone_elses, 2)
        last = await writer.append_async(hers, 2)
        received = await client.entries_until(last)
    assert [e["position"] for e in received] == await ledger_positions(server.url, carol, start)
    assert {e["streamId"] for e in received} == {hers}
    assert received[0]["type"] == "StartupRegistered"
