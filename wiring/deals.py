"""The deals slice (issue 4): agreements, purchase orders, scale-up loans."""

from __future__ import annotations

from typing import Any

from domain.deals.agreement_service import AgreementService
from domain.deals.agreements import Agreement
from domain.deals.loan_service import LoanService
from domain.deals.loans import Loan
from domain.deals.order_service import OrderService
from domain.deals.orders import PurchaseOrder
from infra.duty import Duty
from infra.eventstore import WriteSide
from infra.expiry import expiry_duty
from infra.settings import Settings
from projections.agreements import AgreementsProjection
from projections.loans import LoansProjection
from projections.orders import OrdersProjection
from schema.deals.agreement_mutations import AgreementMutation
from schema.deals.loan_mutations import LoanMutation
from schema.deals.nodes import agreement_node, loan_node, order_node
from schema.deals.order_mutations import OrderMutation
from schema.deals.queries import DealsQuery
from wiring import Slice


def _services(write: WriteSide) -> dict[str, Any]:
    return {
        "agreements": AgreementService(write.ledger, write.memberships),
        "orders": OrderService(write.ledger, write.memberships),
        "loans": LoanService(write.ledger, write.memberships),
    }


def _duties(services: dict[str, Any], pool: Any, settings: Settings) -> list[Duty]:
    if settings.expiry_sweep_seconds <= 0:
        return []
    return [expiry_duty(pool, services["agreements"], settings.expiry_sweep_seconds)]


def _demo(services: dict[str, Any], earlier: dict[str, Any]) -> Any:
    from demo import deals

    return deals.load(services, earlier["organisations"], earlier.get("calls"))


SLICE = Slice(
    name="deals",
    projections=lambda: [AgreementsProjection(), OrdersProjection(), LoansProjection()],
    services=_services,
    snapshotted=(Agreement, PurchaseOrder, Loan),
    query_roots=(DealsQuery,),
    mutation_roots=(AgreementMutation, OrderMutation, LoanMutation),
    node_resolvers={"Agreement": agreement_node, "PurchaseOrder": order_node,
                    "Loan": loan_node},
    demo=_demo,
    duties=_duties,
)
