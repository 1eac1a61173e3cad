"""One client process of the live bench: many graphql-transport-ws sockets,
each with one `Subscription.ledger`, driven by the bench over stdin/stdout.

A deliberately lean client, so that the measuring side is not what limits
the figures: a raw WebSocket over uvloop (frames parsed by hand, no per-socket
task), one `orjson.loads` per message, the receipt clock read once per TCP
read (before parsing), and each entry's `occurredAt` parsed once per process.

    python -m bench.live_client    # first stdin line: {"host", "port", "path", "tokens", ...}

then stdin commands, one per line; each answered with one JSON line on stdout:
    subscribe               → {"subscribed": n}
    wait POSITION SECONDS   → {"complete": sockets that reached POSITION}
    mark                    → {"marked": true} (starts the CPU account)
    report FIRST LAST       → {"latencies": [...], "missing": ..., ...}, then exits
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import resource
import struct
import sys
import time
from datetime import datetime
from typing import Any

import orjson

SUBPROTOCOL = "graphql-transport-ws"
_NO_MASK = b"\0\0\0\0"  # a zero mask key: valid framing, no XOR to compute
_OCCURRED: dict[int, float] = {}  # position → occurredAt as a timestamp (shared by sockets)


def client_frame(text: bytes, opcode: int = 1) -> bytes:
    """A masked client frame (RFC 6455 §5.2; the key is zero)."""
    n = len(text)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + _NO_MASK + text


class Socket(asyncio.Protocol):
    """One WebSocket, one subscription; records (position, latency) per entry."""

    def __init__(self, host: str, port: int, path: str, token: str) -> None:
        self.host, self.port, self.path, self.token = host, port, path, token
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.upgraded = False
        self.acked = asyncio.get_running_loop().create_future()
        self.positions: list[int] = []
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.closed_with: int | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        tcp: Any = transport  # uvloop's transport is no asyncio.Transport subclass
        self.transport = tcp
        key = base64.b64encode(os.urandom(16)).decode()
        tcp.write((f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                         "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                         f"Sec-WebSocket-Protocol: {SUBPROTOCOL}\r\n\r\n").encode())

    def send(self, message: dict[str, Any]) -> None:
        assert self.transport is not None
        self.transport.write(client_frame(orjson.dumps(message)))

    def data_received(self, data: bytes) -> None:
        now = time.time()  # the receipt clock, before any parsing
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status, self.buffer = self.buffer[:end], self.buffer[end + 4:]
            if b" 101 " not in status.split(b"\r\n", 1)[0]:
                self._fail(f"upgrade refused: {status[:80]!r}")
                return
            self.upgraded = True
            self.send({"type": "connection_init",
                       "payload": {"Authorization": f"Bearer {self.token}"}})
        self._frames(now)

    def _frames(self, now: float) -> None:
        buf = self.buffer
        while len(buf) >= 2:
            opcode, n = buf[0] & 0x0F, buf[1] & 0x7F
            start = 2
            if n == 126:
                if len(buf) < 4:
                    break
                n, start = struct.unpack_from("!H", buf, 2)[0], 4
            elif n == 127:
                if len(buf) < 10:
                    break
                n, start = struct.unpack_from("!Q", buf, 2)[0], 10
            if len(buf) < start + n:
                break
            payload, buf = buf[start:start + n], buf[start + n:]
            self._frame(opcode, payload, now)
        self.buffer = buf

    def _frame(self, opcode: int, payload: bytes, now: float) -> None:
        if opcode == 1:
            self._message(orjson.loads(payload), now)
        elif opcode == 9:  # ping
            assert self.transport is not None
            self.transport.write(client_frame(payload, 0xA))
        elif opcode == 8:
            self.closed_with = struct.unpack_from("!H", payload)[0] if len(payload) >= 2 else 1005
            self._fail(f"closed {self.closed_with} {payload[2:].decode(errors='replace')}")

    def _message(self, message: dict[str, Any], now: float) -> None:
        kind = message.get("type")
        if kind == "next" and "errors" not in message["payload"]:
            entry = message["payload"]["data"]["ledger"]
            position = entry["position"]
            occurred = _OCCURRED.get(position)
            if occurred is None:
                occurred = _OCCURRED[position] = datetime.fromisoformat(
                    entry["occurredAt"]).timestamp()
            self.positions.append(position)
            self.latencies.append(now - occurred)
        elif kind == "connection_ack":
            if not self.acked.done():
                self.acked.set_result(True)
        elif kind != "pong":
            self.errors.append(orjson.dumps(message)[:300].decode())

    def _fail(self, why: str) -> None:
        self.errors.append(why)
        if not self.acked.done():
            self.acked.set_exception(ConnectionError(why))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.acked.done():
            self.acked.set_exception(ConnectionError(f"connection lost: {exc}"))

    def reached(self, position: int) -> bool:
        return bool(self.positions) and self.positions[-1] >= position


async def _open(spec: dict[str, Any]) -> list[Socket]:
    loop = asyncio.get_running_loop()
    sockets: list[Socket] = []
    for token in spec["tokens"]:
        _, sock = await loop.create_connection(
            lambda t=token: Socket(spec["host"], spec["port"], spec["path"], t),  # type: ignore[misc]
            spec["host"], spec["port"])
        sockets.append(sock)
    await asyncio.wait_for(asyncio.gather(*(s.acked for s in sockets)), 60)
    return sockets


def _subscribe(sockets: list[Socket], spec: dict[str, Any]) -> None:
    for sock in sockets:
        sock.send({"id": "1", "type": "subscribe", "payload": {
            "query": spec["query"], "variables": {"after": spec["after"]}}})


async def _wait(sockets: list[Socket], position: int, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not all(s.reached(position) for s in sockets):
        await asyncio.sleep(0.02)
    return sum(s.reached(position) for s in sockets)


def report(sockets: list[Socket], first: int, last: int, cpu: float, wall: float) -> dict[str, Any]:
    """Latencies of [first, last], and every ordering fault seen by any socket."""
    latencies: list[float] = []
    positions_seen: list[int] = []
    missing = duplicates = disordered = 0
    for sock in sockets:
        seen = [(p, lat) for p, lat in zip(sock.positions, sock.latencies, strict=True)
                if first <= p <= last]
        positions = [p for p, _ in seen]
        duplicates += len(positions) - len(set(positions))
        disordered += sum(b <= a for a, b in itertools.pairwise(positions))
        missing += (last - first + 1) - len(set(positions))
        latencies += [lat for _, lat in seen]
        positions_seen += positions
    return {"latencies": latencies, "positions": positions_seen, "missing": missing,
            "duplicates": duplicates, "out_of_order": disordered,
            "errors": [e for s in sockets for e in s.errors][:5],
            "error_count": sum(len(s.errors) for s in sockets),
            "cpu_seconds": cpu, "wall_seconds": wall}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def main() -> None:
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    spec = orjson.loads(await stdin.readline())  # too long for an argument (tokens)
    sockets = await _open(spec)
    print(orjson.dumps({"connected": len(sockets)}).decode(), flush=True)
    marked = (_cpu(), time.monotonic())
    while line := (await stdin.readline()).decode().split():
        if line[0] == "subscribe":
            _subscribe(sockets, spec)
            answer: dict[str, Any] = {"subscribed": len(sockets)}
        elif line[0] == "wait":
            answer = {"complete": await _wait(sockets, int(line[1]), float(line[2]))}
        elif line[0] == "mark":
            marked, answer = (_cpu(), time.monotonic()), {"marked": True}
        else:  # report
            answer = report(sockets, int(line[1]), int(line[2]), _cpu() - marked[0],
                            time.monotonic() - marked[1])
        print(orjson.dumps(answer).decode(), flush=True)
        if line[0] == "report":
            break
    for sock in sockets:
        if sock.transport is not None:
            sock.transport.close()


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
