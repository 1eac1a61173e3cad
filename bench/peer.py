"""The peer: PostGraphile v5 (what a team would otherwise put on PostgreSQL)
serving a table with the same startups, the same fields and the same index
as our read model, on the same database, measured by the same load generator.

bench/postgraphile/ holds its package.json and package-lock.json (postgraphile
5.1.5, and node 22 from the npm package `node`, since PostGraphile 5 needs
node >= 22); `npm ci` installs them into bench/postgraphile/node_modules/
(git-ignored) the first time the bench runs. When that cannot be done (no npm,
no registry), the bench records why and measures everything else."""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from bench.system import free_port

HERE = Path(__file__).resolve().parent / "postgraphile"
NODE = HERE / "node_modules" / "node" / "bin" / "node"
INSTALLED = HERE / "node_modules" / "postgraphile" / "package.json"

# The same rows and fields as our `organisations` read model's startups, with
# the index our directory page uses (PostGraphile orders by name, then id).
TABLE = """
DROP SCHEMA IF EXISTS peer CASCADE;
CREATE SCHEMA peer;
CREATE TABLE peer.startups (
    id uuid PRIMARY KEY, name text NOT NULL, siren text NOT NULL, description text NOT NULL,
    website text, city text, founded_year int, sectors text[] NOT NULL,
    technologies text[] NOT NULL, labels text[] NOT NULL, version int NOT NULL);
INSERT INTO peer.startups SELECT id, name, siren, description, website, city, founded_year,
    sectors, technologies, labels, version FROM public.organisations WHERE kind = 'STARTUP';
CREATE INDEX startups_name_idx ON peer.startups (name, id);
ANALYZE peer.startups;
"""
# Our two queries, in PostGraphile's naming (its `id` is the global node id, so
# the uuid column is `rowId`): the row by primary key, and the first 20 by name
# with totalCount and the page info.
SINGLE = """query($id: UUID!) { startupByRowId(rowId: $id) {
  rowId name siren description website city foundedYear sectors technologies labels version } }"""
PAGE = """{ allStartups(first: 20, orderBy: [NAME_ASC, ROW_ID_ASC]) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { rowId name city foundedYear sectors technologies labels } } }"""


class PeerUnavailable(RuntimeError):
    """PostGraphile could not be installed or started; the message says why."""


def install(timeout: float = 600.0) -> Path:
    """node 22 and postgraphile 5.1.5 from the lockfile, once."""
    if NODE.exists() and INSTALLED.exists():
        return NODE
    npm = shutil.which("npm")
    if npm is None:
        raise PeerUnavailable("npm is not installed, so PostGraphile cannot be")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not NODE.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise PeerUnavailable("npm ci in bench/postgraphile failed: " + " | ".join(tail))
    return NODE


def node_version(node: Path) -> str:
    return subprocess.run([str(node), "--version"], capture_output=True, text=True,
                          check=True).stdout.strip()


def copy_startups(database_url: str) -> int:
    """(Re)creates peer.startups from the read model; returns its row count."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(TABLE)
        row = conn.execute("SELECT count(*) FROM peer.startups").fetchone()
    return int(row[0]) if row else 0


@dataclass
class Peer:
    process: subprocess.Popen[bytes]
    port: int
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def running_peer(database_url: str, log: Path, timeout: float = 60.0) -> Iterator[Peer]:
    node = install()
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen([str(node), str(HERE / "server.mjs"), database_url, str(port)],
                                   cwd=HERE, stdout=out, stderr=subprocess.STDOUT)
    peer = Peer(process, port, f"http://127.0.0.1:{port}/graphql")
    try:
        _wait_ready(peer, timeout, log)
        yield peer
    finally:
        peer.stop()


def _wait_ready(peer: Peer, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if peer.process.poll() is not None:
            raise PeerUnavailable(f"PostGraphile exited with {peer.process.returncode}; see {log}")
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.post(peer.url, json={"query": "{ __typename }"}, timeout=2)
            if answer.status_code == 200:
                return
        time.sleep(0.2)
    raise PeerUnavailable(f"PostGraphile was not ready within {timeout:.0f}s; see {log}")
