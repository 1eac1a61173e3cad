"""The demo data: agreements, orders and loans in every status they can reach,
recorded through the services on PostgreSQL."""

from __future__ import annotations

import asyncio

from infra.settings import Settings
from server import command_services, load_demo, open_runtime
from wiring import deals, organisations


async def test_the_demo_has_deals_in_every_status(settings: Settings) -> None:
    slices = [organisations.SLICE, deals.SLICE]
    assert settings.database_url
    async with open_runtime(settings, settings.database_url, slices, run_projector=False) as rt:
        await rt.projector.ensure_tracking()
        loop = asyncio.get_running_loop()
        services = command_services(slices, rt.write)
        services["settle"] = lambda: asyncio.run_coroutine_threadsafe(
            rt.projector.catch_up(), loop).result()
        await asyncio.to_thread(load_demo, slices, services)
        statuses = {table: {r["status"] for r in await rt.pool.fetch(f"SELECT status FROM {table}")}
                    for table in ("agreements", "purchase_orders", "loans")}
    assert statuses["agreements"] == {"NEGOTIATING", "IN_FORCE", "REJECTED", "TERMINATED"}
    assert statuses["purchase_orders"] == {
        "ISSUED", "ACCEPTED", "REJECTED", "DELIVERED", "INVOICED", "PAID", "CANCELLED"}
    assert statuses["loans"] == {
        "REQUESTED", "UNDER_REVIEW", "APPROVED", "REJECTED", "DISBURSED", "REPAID", "DEFAULTED",
        "WITHDRAWN"}
