"""Persisted documents: Apollo's automatic persisted queries (a client sends
the SHA-256 of a document it sent before) and, in production, an allow-list
(`PASSERELLE_PERSISTED_ONLY=1`: only registered documents run)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import asyncpg

from schema.documents import CACHED_DOCUMENT_CHARS


class PersistedQueryError(Exception):
    """A persisted-query request that cannot run; `code` says why."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def sha256_hex(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


class PersistedQueries:
    """Documents by hash, in PostgreSQL (shared by instances) behind an LRU."""

    def __init__(self, pool: asyncpg.Pool, *, allow_list_only: bool, cache_size: int = 2048):
        self.pool = pool
        self.allow_list_only = allow_list_only
        self.cache: OrderedDict[str, tuple[str, bool]] = OrderedDict()
        self.cache_size = cache_size

    async def _lookup(self, sha: str) -> tuple[str, bool] | None:
        if sha in self.cache:
            self.cache.move_to_end(sha)
            return self.cache[sha]
        row = await self.pool.fetchrow(
            "SELECT document, registered FROM persisted_queries WHERE sha256 = $1", sha)
        if row is None:
            return None
        self._remember(sha, (row["document"], row["registered"]))
        return row["document"], row["registered"]

    def _remember(self, sha: str, value: tuple[str, bool]) -> None:
        if len(value[0]) > CACHED_DOCUMENT_CHARS:  # read from PostgreSQL each time
            return
        self.cache[sha] = value
        if len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)

    async def resolve(self, query: str | None, sha: str | None) -> str | None:
        """The document to run, after the APQ and allow-list rules."""
        if sha is None:
            if self.allow_list_only and query is not None:
                return await self._allowed(sha256_hex(query))
            return query
        if query is None:
            found = await self._lookup(sha)
            if found is None or (self.allow_list_only and not found[1]):
                raise PersistedQueryError("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            return found[0]
        if sha256_hex(query) != sha:
            raise PersistedQueryError("provided sha does not match query", "BAD_REQUEST")
        if self.allow_list_only:
            return await self._allowed(sha)
        return query  # `learn` stores it once it has parsed and validated

    async def learn(self, document: str) -> None:
        """Stores a document a client sent with its hash (APQ). Called only for
        documents that parsed and validated: storing whatever arrives would let
        anyone fill the table with megabytes of garbage."""
        if self.allow_list_only or sha256_hex(document) in self.cache:
            return
        await self.register(document, registered=False)

    async def _allowed(self, sha: str) -> str:
        found = await self._lookup(sha)
        if found is None or not found[1]:
            raise PersistedQueryError(
                "Only registered documents run on this server", "PERSISTED_QUERY_NOT_ALLOWED")
        return found[0]

    async def register(self, document: str, *, registered: bool = True) -> str:
        sha = sha256_hex(document)
        await self.pool.execute(
            "INSERT INTO persisted_queries (sha256, document, registered) VALUES ($1, $2, $3)"
            " ON CONFLICT (sha256) DO UPDATE SET registered ="
            " persisted_queries.registered OR EXCLUDED.registered", sha, document, registered)
        self.cache.pop(sha, None)
        return sha
