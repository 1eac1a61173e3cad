"""forgetPerson while subscribers follow the ledger live: what they already
received stays as sent, nothing after the erasure is read with the erased key
(each batch reads keys afresh, and results are shared per entry only), and the
same person recorded again later is shown with the new key. A subscriber
catching up afterwards reads the erased entry's personal data as null."""

from __future__ import annotations

import contextlib
from typing import Any

from tests.live.support import Server, gql, head, live_client, register_startup, token

ADD = """mutation($i: AddMemberInput!) { addMember(input: $i) { userErrors { code message } } }"""
FORGET = """mutation($i: ForgetPersonInput!) {
  forgetPerson(input: $i) { erasedEntries userErrors { code message } } }"""
FIELDS = "position type payload"


async def _add_member(server: Server, admin: str, startup: str, email: str) -> None:
    data = await gql(server.url, ADD, {"i": {
        "organisationId": startup, "userId": "forget-live-zoe", "role": "MEMBER",
        "displayName": "Zoé Marchand", "email": email}}, token(admin, "startup"))
    assert data["addMember"]["userErrors"] == [], data


def _members_added(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["payload"] for e in entries if e["type"] == "MemberAdded"
            and e["payload"]["userId"] == "forget-live-zoe"]


async def test_an_erasure_while_subscribed_reads_nothing_with_the_erased_key(
        server: Server) -> None:
    first = await register_startup(server.url, "forget-live-a", 171)
    second = await register_startup(server.url, "forget-live-b", 172)
    start = await head(server.url)
    async with contextlib.AsyncExitStack() as stack:
        # Two subscribers of one document: one computes each entry, the other
        # gets the shared message (schema/live/frames.py).
        clients = [await stack.enter_async_context(
            live_client(server.ws_url, token(f"forget-live-aud{i}", "auditor")))
            for i in range(2)]
        for client in clients:
            await client.subscribe(after=start, fields=FIELDS)
        await _add_member(server, "forget-live-a", first, "zoe@batterix.fr")
        added = await head(server.url)
        # Sent before the erasure (else it would rightly read as erased already).
        before = [await client.entries_until(added) for client in clients]
        forgotten = await gql(server.url, FORGET, {"i": {
            "userId": "forget-live-zoe", "reason": "GDPR art. 17 request"}},
            token("forget-live-op", "operator"))
        assert forgotten["forgetPerson"]["userErrors"] == [], forgotten
        await _add_member(server, "forget-live-b", second, "zoe.marchand@hydrogen.fr")
        last = await head(server.url)
        live = [sent + await client.entries_until(last)
                for sent, client in zip(before, clients, strict=True)]
    async with live_client(server.ws_url, token("forget-live-aud-late", "auditor")) as late:
        await late.subscribe(after=start, fields=FIELDS)
        caught_up = await late.entries_until(last)

    for entries in live:
        assert [p["contact"]["email"] for p in _members_added(entries)] == [
            "zoe@batterix.fr", "zoe.marchand@hydrogen.fr"]
        assert any(e["type"] == "PersonForgotten" for e in entries), entries
    assert [p["contact"] for p in _members_added(caught_up)] == [
        None, {"displayName": "Zoé Marchand", "email": "zoe.marchand@hydrogen.fr"}]
