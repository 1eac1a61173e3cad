"""Fixtures of the deals tests: the whole app over HTTP plus a probe root that
exposes the organisation links (Startup.agreements, Startup.loans,
Corporate.orders) until schema/organisations/types.py serves them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import pytest
import strawberry
from strawberry.types import Info

from infra.settings import Settings
from schema.common import Connection
from schema.deals import links
from schema.deals.agreement_types import Agreement
from schema.deals.loan_types import Loan
from schema.deals.order_types import PurchaseOrder
from tests.conftest import TokenFactory
from tests.deals.client import DealsClient
from tests.support.api import running_api
from wiring import Slice
from wiring.slices import all_slices

ID = strawberry.ID


@strawberry.type
class LinksProbe:
    @strawberry.field
    async def probe_startup_agreements(
        self, info: Info[Any, Any], id: ID
    ) -> Connection[Agreement]:
        return await links.startup_agreements(info, UUID(str(id)), 20, None)

    @strawberry.field
    async def probe_startup_loans(
        self, info: Info[Any, Any], id: ID
    ) -> Connection[Loan]:
        return await links.startup_loans(info, UUID(str(id)), 20, None)

    @strawberry.field
    async def probe_corporate_orders(
        self, info: Info[Any, Any], id: ID
    ) -> Connection[PurchaseOrder]:
        return await links.corporate_orders(info, UUID(str(id)), 20, None)


@pytest.fixture
async def deals(settings: Settings, make_token: TokenFactory) -> AsyncIterator[DealsClient]:
    """The whole app in-process (projector included), with the links probe."""
    slices = [*all_slices(), Slice(name="deals-probe", query_roots=(LinksProbe,))]
    async with running_api(settings, make_token, slices) as api:
        yield DealsClient(api)
