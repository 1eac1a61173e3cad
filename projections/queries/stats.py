"""The key figures, read from the stats projection's tables; medians and the
pilot rate are computed here, in SQL, from the per-pair and per-agreement state."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import asyncpg

DAYS = "extract(epoch FROM {}) / 86400.0"
FIGURES_SQL = f"""
SELECT
  (SELECT count(*) FROM stats_calls) AS published_calls,
  (SELECT count(*) FROM stats_calls WHERE status = 'PUBLISHED') AS open_calls,
  (SELECT count(*) FROM stats_agreements
    WHERE in_force_at IS NOT NULL AND ended_at IS NULL) AS agreements_in_force,
  (SELECT percentile_cont(0.5) WITHIN GROUP
      (ORDER BY ({DAYS.format("first_in_force_at - first_application_at")})::float8)
    FROM stats_pairs WHERE first_in_force_at >= first_application_at)
    AS median_days_application_to_agreement,
  (SELECT percentile_cont(0.5) WITHIN GROUP
      (ORDER BY ({DAYS.format("first_order_at - first_in_force_at")})::float8)
    FROM stats_pairs WHERE first_order_at >= first_in_force_at)
    AS median_days_agreement_to_order,
  (SELECT avg(coalesce(p.last_order_at >= a.in_force_at, false)::int)::float8
    FROM stats_agreements a
    LEFT JOIN stats_pairs p ON p.corporate_id = a.corporate_id AND p.startup_id = a.startup_id
    WHERE a.kind = 'PILOT' AND a.in_force_at IS NOT NULL) AS pilot_to_order_rate
"""


@dataclass(frozen=True)
class PlatformFigures:
    """Everything `stats` answers. Money sums are per currency."""

    startups: int
    corporates: int
    published_calls: int
    open_calls: int
    applications: int
    agreements_in_force: int
    orders_issued: int
    orders_value: dict[str, Decimal]
    loans_disbursed: dict[str, Decimal]
    median_days_application_to_agreement: float | None
    median_days_agreement_to_order: float | None
    pilot_to_order_rate: float | None


async def platform_figures(conn: asyncpg.Connection) -> PlatformFigures:
    counters = {r["name"]: r["value"] for r in await conn.fetch(
        "SELECT name, value FROM stats_counters")}
    money: dict[str, dict[str, Decimal]] = {"orders_value": {}, "loans_disbursed": {}}
    for r in await conn.fetch("SELECT name, currency, amount FROM stats_money ORDER BY currency"):
        money.setdefault(r["name"], {})[r["currency"]] = r["amount"]
    row = await conn.fetchrow(FIGURES_SQL)
    assert row is not None  # one row of scalar subqueries, always
    return PlatformFigures(
        startups=counters.get("startups", 0), corporates=counters.get("corporates", 0),
        applications=counters.get("applications", 0),
        orders_issued=counters.get("orders_issued", 0),
        orders_value=money["orders_value"], loans_disbursed=money["loans_disbursed"],
        **dict(row),
    )
