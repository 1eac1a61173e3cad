"""Keyset pagination over any read-model query, with totalCount."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from projections.pagination import Page, decode_cursor, encode_cursor


@dataclass(frozen=True)
class Key:
    """One sort key: an SQL expression, its PostgreSQL type, its direction."""

    expr: str
    pg_type: str
    descending: bool = False


@dataclass
class Listing:
    """A filtered SELECT built clause by clause with positional parameters."""

    source: str  # "table" or "table JOIN ..."
    columns: str
    keys: list[Key]
    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}"

    def filter(self, clause: str, *values: Any) -> Listing:
        """`clause` uses {} for each value, e.g. "kind = {}"."""
        self.where.append(clause.format(*(self.param(v) for v in values)))
        return self

    def _where_sql(self, extra: list[str]) -> str:
        clauses = self.where + extra
        return f" WHERE {' AND '.join(clauses)}" if clauses else ""

    def _after_clause(self, values: list[Any]) -> str:
        """Lexicographic "comes after" for keys of mixed directions."""
        ors = []
        for i, key in enumerate(self.keys):
            ands = [f"({k.expr}) = {self.param(values[j])}::{k.pg_type}"
                    for j, k in enumerate(self.keys[:i])]
            op = "<" if key.descending else ">"
            ands.append(f"({key.expr}) {op} {self.param(values[i])}::{key.pg_type}")
            ors.append("(" + " AND ".join(ands) + ")")
        return "(" + " OR ".join(ors) + ")"

    async def page(self, conn: asyncpg.Connection, first: int, after: str | None) -> Page[Any]:
        """The page and totalCount in one round trip: the count's one row, with
        the page's rows (if any) joined to it."""
        values = decode_cursor(after, len(self.keys))
        extra = [self._after_clause(values)] if values is not None else []
        order = ", ".join(f"{k.expr} {'DESC' if k.descending else 'ASC'}" for k in self.keys)
        keys = ", ".join(f"{k.expr} AS _k{i}" for i, k in enumerate(self.keys))
        total_sql = f"SELECT count(*) AS _total FROM {self.source}{self._where_sql([])}"
        page_sql = (f"SELECT {self.columns}, {keys}, true AS _present FROM {self.source}"
                    f"{self._where_sql(extra)} ORDER BY {order} LIMIT {first + 1}")
        outer = ", ".join(f"_k{i} {_direction(k)}" for i, k in enumerate(self.keys))
        rows = await conn.fetch(
            f"SELECT * FROM ({total_sql}) AS _count LEFT JOIN LATERAL ({page_sql}) AS _page"
            f" ON true ORDER BY {outer}", *self.params)
        total = rows[0]["_total"] if rows else 0
        rows = [r for r in rows if r["_present"]]
        items = rows[:first]
        cursors = [encode_cursor([_jsonable(r[f"_k{i}"]) for i in range(len(self.keys))])
                   for r in items]
        return Page(list(items), cursors, len(rows) > first, values is not None, total)


def _direction(key: Key) -> str:
    return "DESC" if key.descending else "ASC"


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, UUID) else value
