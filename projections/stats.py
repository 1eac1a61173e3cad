"""Key figures: counters, sums per currency and the state tables the medians
and rates are computed from (at query time, projections/queries/stats.py).

Later events do not repeat their stream's parties (AgreementEnteredIntoForce
carries nothing), so the projection keeps what it needs: each agreement's kind
and parties, each published call's status, and per (corporate, startup) pair
when the first application, agreement in force and order happened."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from projections.base import Row, RowStore, started_streams
from projections.entries import Entry, uuid_of

Key = tuple[Any, ...]

COUNTED = {"StartupRegistered": "startups", "CorporateRegistered": "corporates",
           "ApplicationSubmitted": "applications", "OrderIssued": "orders_issued"}
SUMMED = {"OrderIssued": ("orders_value", "total"), "LoanDisbursed": ("loans_disbursed", "amount")}
CALL_STATUSES = {"CallPublished": "PUBLISHED", "CallClosed": "CLOSED",
                 "CallEvaluationStarted": "EVALUATING", "CallCancelled": "CANCELLED",
                 "CallAwarded": "AWARDED"}
# An expiry ends an agreement as a termination does.
AGREEMENT_ENDS = frozenset({"AgreementTerminated", "AgreementExpired"})
PAIR_FACTS = {"ApplicationSubmitted": "application", "AgreementEnteredIntoForce": "in_force",
              "OrderIssued": "order"}
PAIR_COLUMNS = ("corporate_id", "startup_id", "first_application_at", "first_in_force_at",
                "first_order_at", "last_order_at")


def _uuid(value: Any) -> UUID:
    return uuid_of(value)


def _earliest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b < a else a


def _latest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b > a else a


def money_of(value: dict[str, Any]) -> tuple[str, Decimal]:
    """Money in events: {"amount": "<decimal string>", "currency": "EUR"}."""
    return str(value.get("currency") or "EUR"), Decimal(str(value["amount"]))


def evolve_call(row: Row | None, entry: Entry) -> Row | None:
    """Pure: a call enters the table when published; later events set its status."""
    status = CALL_STATUSES.get(entry.type)
    if entry.type == "CallPublished" and row is None:
        return {"id": entry.stream_id, "status": status, "published_at": entry.occurred_at}
    if row is None or status is None:
        return row
    return {**row, "status": status}


def evolve_agreement(row: Row | None, entry: Entry) -> Row | None:
    """Pure: kind and parties from AgreementProposed; when it entered into force and ended."""
    d = entry.data
    if entry.type == "AgreementProposed":
        return {"id": entry.stream_id, "kind": d["kind"], "corporate_id": _uuid(d["corporate_id"]),
                "startup_id": _uuid(d["startup_id"]), "in_force_at": None, "ended_at": None}
    if row is None:
        return None
    if entry.type == "AgreementEnteredIntoForce":
        return {**row, "in_force_at": _earliest(row["in_force_at"], entry.occurred_at)}
    if entry.type in AGREEMENT_ENDS:
        return {**row, "ended_at": _earliest(row["ended_at"], entry.occurred_at)}
    return row


def evolve_pair(row: Row | None, key: Key, fact: str, at: datetime) -> Row:
    """Pure: the pair's first (and, for orders, last) times after one more fact."""
    pair = row or dict.fromkeys(PAIR_COLUMNS[2:]) | dict(zip(PAIR_COLUMNS[:2], key, strict=True))
    first = f"first_{fact}_at"
    pair = {**pair, first: _earliest(pair[first], at)}
    if fact == "order":
        pair["last_order_at"] = _latest(pair["last_order_at"], at)
    return pair


def pair_of(data: dict[str, Any]) -> Key:
    return (_uuid(data["corporate_id"]), _uuid(data["startup_id"]))


AGREEMENT_EVENTS = frozenset({"AgreementProposed", "AgreementEnteredIntoForce"}) | AGREEMENT_ENDS
COUNTERS_SQL = (
    "INSERT INTO stats_counters (name, value) VALUES ($1, $2) ON CONFLICT (name)"
    " DO UPDATE SET value = stats_counters.value + EXCLUDED.value"
)
MONEY_SQL = (
    "INSERT INTO stats_money (name, currency, amount) VALUES ($1, $2, $3)"
    " ON CONFLICT (name, currency) DO UPDATE SET amount = stats_money.amount + EXCLUDED.amount"
)


class StatsBatch:
    """What one batch of entries changes: state rows (loaded together, one
    query per table, and saved once), counter increments and sums per currency."""

    def __init__(self, stores: dict[str, RowStore]) -> None:
        self.stores = stores
        self.rows: dict[str, dict[Key, Row | None]] = {name: {} for name in stores}
        # Keys whose rows did not exist before the batch (saved without a check).
        self.new: dict[str, set[Key]] = {name: set() for name in stores}
        self.counts: Counter[str] = Counter()
        self.sums: dict[tuple[str, str], Decimal] = {}
        # Pair facts wait until the batch's pairs are loaded (an agreement's
        # parties are known only once its row is): (pair, fact, when), in order.
        self.pair_facts: list[tuple[Key, str, datetime]] = []

    async def load(self, conn: asyncpg.Connection, table: str, keys: Sequence[Key],
                   absent: frozenset[Any] = frozenset()) -> None:
        """Loads the rows of `keys`, but for those whose first part is in
        `absent` (streams that start in this batch: no row of theirs exists)."""
        unique = list(dict.fromkeys(keys))
        rows = self.rows[table]
        rows.update(await self.stores[table].load_many(
            conn, [k for k in unique if k[0] not in absent]))
        rows.update((k, None) for k in unique if k[0] in absent)
        self.new[table].update(k for k in unique if rows[k] is None)

    def update(self, table: str, key: Key, change: Callable[[Row | None], Row | None]
               ) -> Row | None:
        rows = self.rows[table]
        rows[key] = change(rows[key])
        return rows[key]

    def add(self, name: str, currency: str, amount: Decimal) -> None:
        self.sums[(name, currency)] = self.sums.get((name, currency), Decimal(0)) + amount

    def fold_pairs(self) -> None:
        pairs = self.rows["pairs"]
        for key, fact, at in self.pair_facts:
            pairs[key] = evolve_pair(pairs[key], key, fact, at)

    async def save(self, conn: asyncpg.Connection) -> None:
        for table, store in self.stores.items():
            await store.save(conn, {k: r for k, r in self.rows[table].items() if r},
                             self.new[table])
        if self.counts:
            await conn.executemany(COUNTERS_SQL, sorted(self.counts.items()))
        if self.sums:
            await conn.executemany(
                MONEY_SQL, [(n, c, a) for (n, c), a in sorted(self.sums.items())])


def fold_entry(batch: StatsBatch, entry: Entry) -> None:
    """Applies one entry to the batch (entries arrive in ledger order; the
    rows of its calls and agreements are loaded)."""
    if name := COUNTED.get(entry.type):
        batch.counts[name] += 1
    if entry.type in SUMMED:
        name, field = SUMMED[entry.type]
        batch.add(name, *money_of(entry.data[field]))
    if entry.type in CALL_STATUSES:
        batch.update("calls", (entry.stream_id,), lambda r: evolve_call(r, entry))
    agreement = None
    if entry.type in AGREEMENT_EVENTS:
        agreement = batch.update("agreements", (entry.stream_id,),
                                 lambda r: evolve_agreement(r, entry))
    fact = PAIR_FACTS.get(entry.type)
    parties = agreement if fact == "in_force" else entry.data
    if fact is None or parties is None:
        return
    batch.pair_facts.append((pair_of(parties), fact, entry.occurred_at))


class StatsProjection:
    """Keeps the key figures' tables (`stats_*`)."""

    name = "stats"
    # The streams of the event types it folds (a rebuild of it reads only those).
    stream_types = frozenset(
        {"Startup", "Corporate", "Call", "Application", "Agreement", "PurchaseOrder", "Loan"})
    tables: tuple[str, ...] = (
        "stats_counters", "stats_money", "stats_calls", "stats_agreements", "stats_pairs")

    def __init__(self) -> None:
        self.stores = {
            "calls": RowStore("stats_calls", ("id",), ("id", "status", "published_at")),
            "agreements": RowStore(
                "stats_agreements", ("id",),
                ("id", "kind", "corporate_id", "startup_id", "in_force_at", "ended_at")),
            "pairs": RowStore("stats_pairs", ("corporate_id", "startup_id"), PAIR_COLUMNS),
        }

    async def apply(self, conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
        batch = StatsBatch(self.stores)
        # Calls and agreements are rows of their own stream (made by its events).
        started = started_streams(entries)
        await batch.load(conn, "calls", [(e.stream_id,) for e in entries
                                         if e.type in CALL_STATUSES], started)
        await batch.load(conn, "agreements", [(e.stream_id,) for e in entries
                                              if e.type in AGREEMENT_EVENTS], started)
        for entry in entries:
            fold_entry(batch, entry)
        await batch.load(conn, "pairs", [key for key, _, _ in batch.pair_facts])
        batch.fold_pairs()
        await batch.save(conn)
