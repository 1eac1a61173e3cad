"""Which worker process of a server (PASSERELLE_WORKERS) holds a client's
connection, read from the kernel (Linux /proc): the process that holds the
server end of the client's TCP connection."""

from __future__ import annotations

import http.client
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.servers import Server


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server end of the connection from `client_port`."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and \
                int(remote.split(":")[1], 16) == client_port:
            return fields[9]
    return None


def holder(inode: str, pids: set[int]) -> int | None:
    for pid in pids:
        with_fds = Path(f"/proc/{pid}/fd")
        try:
            links = {os.readlink(fd) for fd in with_fds.iterdir()}
        except OSError:
            continue
        if f"socket:[{inode}]" in links:
            return pid
    return None


class Connection:
    """One keep-alive connection, and the worker process at its other end."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.http = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        self.http.connect()

    def post(self, query: str, variables: dict[str, Any], bearer: str | None = None) -> Any:
        headers = {"content-type": "application/json", "accept": "application/json"}
        if bearer:
            headers["authorization"] = f"Bearer {bearer}"
        return json.loads(self._ok("POST", "/graphql", json.dumps(
            {"query": query, "variables": variables}), headers))

    def get(self, path: str) -> str:
        return self._ok("GET", path).decode()

    def _ok(self, method: str, path: str, body: str | None = None,
            headers: dict[str, str] | None = None) -> bytes:
        """The body of a 200 answer on this connection."""
        self.http.request(method, path, body, headers or {})
        response = self.http.getresponse()
        answer = response.read()
        assert response.status == 200, answer
        return answer

    def worker(self) -> int | None:
        assert self.http.sock is not None
        return worker_at(self.server, self.http.sock.getsockname()[1])

    def close(self) -> None:
        self.http.close()


def worker_at(server: Server, client_port: int) -> int | None:
    """The worker holding the server end of the connection from `client_port`."""
    inode = socket_inode(server.port, client_port)
    return holder(inode, children(server.process.pid)) if inode else None


def connection_to(server: Server, wanted: Callable[[int], bool],
                  timeout: float = 60.0) -> tuple[Connection, int]:
    """A new connection that landed on a worker `wanted` accepts, and that
    worker: the kernel hands each new connection to whichever worker accepts
    first, and a worker still starting accepts none."""
    deadline = time.monotonic() + timeout
    while True:
        connection = Connection(server)
        connection.get("/healthz")  # accepted: a worker holds it now
        pid = connection.worker()
        if pid is not None and wanted(pid):
            return connection, pid
        connection.close()
        assert time.monotonic() < deadline, "no new connection reached the worker wanted"
