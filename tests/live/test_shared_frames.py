"""The shared-frame path (schema/live/frames.py): for each live entry the first
subscriber of a document takes strawberry's normal path and the others send
the message it left, pre-encoded. Every subscriber must get byte for byte what
the normal path sends, and still only the entries it may see."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
from typing import Any

import httpx
import orjson
from graphql import OperationDefinitionNode, parse
from prometheus_client.parser import text_string_to_metric_families

from infra.live_gc import HeapFreezer
from schema.live.shared import SharedResult, event_variables, result_key
from tests.live.support import (
    BulkWriter,
    LiveClient,
    Server,
    head,
    ledger_positions,
    live_client,
    register_startup,
    token,
)

FIELDS = "position streamId streamType version type occurredAt payload hash ledgerHash"


async def _raw_until(client: LiveClient, position: int, timeout: float = 15.0) -> dict[int, str]:
    """Raw `next` messages (as sent) by position, until `position` or beyond."""
    received: dict[int, str] = {}
    last = 0
    while last < position:
        raw = await asyncio.wait_for(client.ws.recv(decode=True), timeout)
        assert isinstance(raw, str)
        message = json.loads(raw)
        assert message["type"] == "next" and "errors" not in message["payload"], message
        last = message["payload"]["data"]["ledger"]["position"]
        assert last not in received, f"{last} twice"
        received[last] = raw
    return received


async def test_every_subscriber_gets_the_normal_paths_bytes_and_only_what_it_may_see(
    server: Server, writer: BulkWriter,
) -> None:
    ours = await register_startup(server.url, "frames-a", 161)
    theirs = await register_startup(server.url, "frames-b", 162)
    start = await head(server.url)
    viewers: list[tuple[str, str, str, str]] = [  # (name, token, operation id, fields)
        *[(f"aud{i}", token(f"frames-aud{i}", "auditor"), "1", FIELDS) for i in range(3)],
        *[(f"int{i}", token(f"frames-int{i}", "integrator", (ours,)), "1", FIELDS)
          for i in range(3)],
        ("aud-other-id", token("frames-aud-x", "auditor"), "sub-\"x\"", FIELDS),
        ("aud-other-doc", token("frames-aud-y", "auditor"), "1", "position type"),
    ]
    sent_before = await _sent_by_path(server)
    async with contextlib.AsyncExitStack() as stack:
        clients: dict[str, LiveClient] = {}
        for name, bearer, op, fields in viewers:
            clients[name] = await stack.enter_async_context(live_client(server.ws_url, bearer))
            await clients[name].subscribe(after=start, fields=fields, op=op)
        last = 0
        for stream in (ours, theirs, ours, theirs):  # live: committed after they subscribed
            last = await writer.append_async(stream, 2)
        everything = await ledger_positions(server.url, viewers[0][1], start)
        integrators = await ledger_positions(server.url, viewers[3][1], start)
        received = {name: await _raw_until(
            client, integrators[-1] if name.startswith("int") else last)
            for name, client in clients.items()}

    assert everything == list(range(start + 1, last + 1))
    assert len(integrators) == 4 and set(integrators) < set(everything)  # only their startup's
    reference = received["aud0"]
    for name, by_position in received.items():
        expected = integrators if name.startswith("int") else everything
        assert list(by_position) == expected, name
        for position, raw in by_position.items():
            # strawberry's own encoding of the same message (orjson, compact)
            assert raw == orjson.dumps(json.loads(raw)).decode(), name
            if name != "aud-other-doc":
                assert raw == reference[position].replace('"id":"1"', _id(name, viewers)), name
    other_doc = received["aud-other-doc"].values()
    assert all('"payload"' not in raw.split('"ledger"')[1] for raw in other_doc)
    # Every message counted, by the path it took: under uvicorn the shared ones
    # are framed and written straight to the socket (schema/live/wire.py), most
    # from the broker's turn (schema/live/direct.py). At least: the server is
    # shared, and a subscriber of an earlier test may still be counted while its
    # connection closes.
    sent = {path: count - sent_before.get(path, 0)
            for path, count in (await _sent_by_path(server)).items()}
    assert sum(sent.values()) >= sum(len(r) for r in received.values())
    assert sent["direct"] + sent["wire"] > sent["executed"] > 0
    assert sent["direct"] > 0


async def _sent_by_path(server: Server) -> dict[str, int]:
    """passerelle_live_messages_total by path, from the server's /metrics."""
    async with httpx.AsyncClient() as http:
        text = (await http.get(server.base + "/metrics")).text
    return {sample.labels["path"]: int(sample.value)
            for family in text_string_to_metric_families(text)
            if family.name == "passerelle_live_messages"
            for sample in family.samples if sample.name.endswith("_total")}


def _id(name: str, viewers: list[tuple[str, str, str, str]]) -> str:
    op = next(v[2] for v in viewers if v[0] == name)
    return '"id":' + json.dumps(op)


def _operation(document: str) -> OperationDefinitionNode:
    op = parse(document).definitions[0]
    assert isinstance(op, OperationDefinitionNode)
    return op


def test_the_result_key_ignores_the_root_arguments_and_keeps_what_fields_depend_on() -> None:
    op = _operation("subscription($after: Int, $f: LedgerFilter, $withPayload: Boolean!) {"
                    " ledger(after: $after, filter: $f) {"
                    " position payload @include(if: $withPayload) } }")
    assert event_variables(op, {}) == ("withPayload",)
    one: dict[str, Any] = {"after": 1, "f": None, "withPayload": True}
    other = {"after": 9, "f": {"streamTypes": ["Startup"]}, "withPayload": True}
    assert result_key(op, {}, one) == result_key(op, {}, other)
    assert result_key(op, {}, one) != result_key(op, {}, {**one, "withPayload": False})
    assert result_key(op, {}, one) != result_key(_operation(
        "subscription { ledger { position } }"), {}, one)


def test_a_shared_payload_is_what_strawberry_would_encode() -> None:
    data = {"ledger": {"position": 3, "payload": {"name": "Éole", "n": [1, 2.5, None]}}}
    shared = SharedResult(_operation("subscription { ledger { position } }"), data)
    assert shared.payload() == orjson.dumps({"data": data}).decode()
    assert shared.payload() is shared.payload()  # encoded once


def test_the_heap_is_frozen_on_new_subscriber_highs_and_unfrozen_on_a_large_drop() -> None:
    try:
        off = HeapFreezer(enabled=False, first=2)
        off.subscribers(10)
        assert off.freezes == 0 and gc.get_freeze_count() == 0
        freezer = HeapFreezer(first=2, growth=2.0)
        freezer.subscribers(1)
        assert freezer.freezes == 0
        freezer.subscribers(2)
        assert freezer.freezes == 1 and gc.get_freeze_count() > 0
        freezer.subscribers(3)  # not twice the last mark
        assert freezer.freezes == 1
        freezer.subscribers(4)
        assert freezer.freezes == 2 and freezer.frozen_at == 4
        freezer.subscribers(2)  # half: still frozen
        assert gc.get_freeze_count() > 0
        freezer.subscribers(1)
        assert gc.get_freeze_count() == 0 and freezer.frozen_at == 0
    finally:
        gc.unfreeze()
