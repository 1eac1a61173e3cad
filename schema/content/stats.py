"""`stats`: the platform's key figures (public)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from projections.queries import stats as q
from schema.common import Money
from schema.content.money import money

REPORTED_CURRENCY = "EUR"


@strawberry.type(description="Figures the platform reports, folded from the ledger.")
class PlatformStats:
    startups: int
    corporates: int
    published_calls: int = strawberry.field(description="Calls that have been published, whatever became of them since.")
    open_calls: int = strawberry.field(description="Published calls still open for applications.")
    applications: int
    agreements_in_force: int = strawberry.field(description="Agreements in force now (entered into force, not terminated).")
    orders_issued: int
    orders_value: Money = strawberry.field(description="Total of the purchase orders issued, in EUR; other currencies are in ordersValueByCurrency.")
    orders_value_by_currency: list[Money] = strawberry.field(description="Total of the purchase orders issued, one sum per currency.")
    loans_disbursed: Money = strawberry.field(description="Loan amounts disbursed, in EUR; other currencies are in loansDisbursedByCurrency.")
    loans_disbursed_by_currency: list[Money]
    median_days_application_to_agreement: float | None = strawberry.field(description="Median days from an application's submission to the first agreement in force between the same two organisations.")
    median_days_agreement_to_order: float | None = strawberry.field(description="Median days from an agreement in force to the first purchase order between the same two organisations.")
    pilot_to_order_rate: float | None = strawberry.field(description="Share of in-force pilot agreements followed by a purchase order, 0 to 1.")

    @classmethod
    def from_figures(cls, f: q.PlatformFigures) -> PlatformStats:
        return cls(
            startups=f.startups, corporates=f.corporates, published_calls=f.published_calls,
            open_calls=f.open_calls, applications=f.applications,
            agreements_in_force=f.agreements_in_force, orders_issued=f.orders_issued,
            orders_value=_reported(f.orders_value), orders_value_by_currency=_all(f.orders_value),
            loans_disbursed=_reported(f.loans_disbursed),
            loans_disbursed_by_currency=_all(f.loans_disbursed),
            median_days_application_to_agreement=f.median_days_application_to_agreement,
            median_days_agreement_to_order=f.median_days_agreement_to_order,
            pilot_to_order_rate=f.pilot_to_order_rate,
        )


def _reported(sums: dict[str, Decimal]) -> Money:
    return money(sums.get(REPORTED_CURRENCY, Decimal(0)), REPORTED_CURRENCY)


def _all(sums: dict[str, Decimal]) -> list[Money]:
    return [money(amount, currency) for currency, amount in sorted(sums.items())]


@strawberry.type
class StatsQuery:
    @strawberry.field(description="The platform's key figures, kept current by the ledger. Public.")
    async def stats(self, info: Info[Any, Any]) -> PlatformStats:
        async with info.context.pool.acquire() as conn:
            figures = await q.platform_figures(conn)
        return PlatformStats.from_figures(figures)
