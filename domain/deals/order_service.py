"""Purchase-order use cases: the corporate issues, pays and cancels; the
startup accepts, rejects, delivers and invoices. Run off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from domain.actors import CommandContext
from domain.deals import commands as c
from domain.deals.access import organisations_of, require_side
from domain.deals.agreements import require_in_force
from domain.deals.lookup import load_seen, require_exists, visible_agreement
from domain.deals.orders import PurchaseOrder
from domain.errors import RuleViolationError
from domain.ledger import Ledger, Recorded
from domain.organisations.aggregates import Corporate, Startup
from domain.policy import require_signed_in
from domain.ports import Memberships

AGREEMENT_FIELD = ("input", "agreementId")
Decide = Callable[[PurchaseOrder, dict[str, str | None]], None]


class OrderService:
    """The purchase orders between corporates and startups."""

    def __init__(self, ledger: Ledger, memberships: Memberships) -> None:
        self.ledger = ledger
        self.memberships = memberships

    def issue(self, cmd: c.IssueOrder, ctx: CommandContext) -> Recorded:
        """By the corporate's members; an agreement, if named, binds the same
        two parties and is in force."""
        require_signed_in(ctx.actor)

        def create() -> Recorded:  # a retry with the same idempotency key skips it all
            self._check_issue(cmd, ctx)
            lines = [line.line() for line in cmd.lines]
            order = PurchaseOrder.issue(cmd.corporate_id, cmd.startup_id, cmd.agreement_id,
                                        cmd.reference, lines, ctx.meta(cmd.corporate_id))
            return self.ledger.record(order, ctx, scope="issueOrder")

        return self.ledger.create_once(ctx, "issueOrder", create)

    def _check_issue(self, cmd: c.IssueOrder, ctx: CommandContext) -> None:
        require_exists(self.ledger, Corporate, cmd.corporate_id, ("input", "corporateId"))
        require_exists(self.ledger, Startup, cmd.startup_id, ("input", "startupId"))
        organisations = organisations_of(ctx.actor, self.memberships)
        require_side(ctx.actor, organisations, cmd.corporate_id, "ordering corporate")
        if cmd.agreement_id is not None:
            self._check_agreement(cmd, organisations, ctx)

    def _check_agreement(
        self, cmd: c.IssueOrder, organisations: frozenset[UUID], ctx: CommandContext
    ) -> None:
        assert cmd.agreement_id is not None
        agreement = visible_agreement(self.ledger, ctx.actor, organisations, cmd.agreement_id,
                                      AGREEMENT_FIELD)
        if agreement.parties != {cmd.corporate_id, cmd.startup_id}:
            raise RuleViolationError("The agreement binds other parties", AGREEMENT_FIELD)
        require_in_force(agreement, ctx.now, AGREEMENT_FIELD)

    def accept(self, cmd: c.EntityCommand, ctx: CommandContext) -> Recorded:
        return self._by_startup(cmd.id, cmd.expected_version, ctx,
                                lambda o, meta: o.accept(meta))

    def reject(self, cmd: c.EntityCommand, ctx: CommandContext) -> Recorded:
        return self._by_startup(cmd.id, cmd.expected_version, ctx,
                                lambda o, meta: o.reject(cmd.reason, meta))

    def record_delivery(self, cmd: c.EntityCommand, ctx: CommandContext) -> Recorded:
        return self._by_startup(cmd.id, cmd.expected_version, ctx,
                                lambda o, meta: o.record_delivery(meta))

    def invoice(self, cmd: c.AmountCommand, ctx: CommandContext) -> Recorded:
        amount = cmd.amount.money()
        return self._by_startup(cmd.id, cmd.expected_version, ctx,
                                lambda o, meta: o.invoice(amount, meta))

    def record_payment(self, cmd: c.AmountCommand, ctx: CommandContext) -> Recorded:
        amount = cmd.amount.money()
        return self._by_corporate(cmd.id, cmd.expected_version, ctx,
                                  lambda o, meta: o.record_payment(amount, meta))

    def cancel(self, cmd: c.EntityCommand, ctx: CommandContext) -> Recorded:
        return self._by_corporate(cmd.id, cmd.expected_version, ctx,
                                  lambda o, meta: o.cancel(cmd.reason, meta))

    def _by_startup(
        self, order_id: UUID, version: int | None, ctx: CommandContext, decide: Decide
    ) -> Recorded:
        return self._change(order_id, version, ctx, decide, supplier=True)

    def _by_corporate(
        self, order_id: UUID, version: int | None, ctx: CommandContext, decide: Decide
    ) -> Recorded:
        return self._change(order_id, version, ctx, decide, supplier=False)

    def _change(
        self, order_id: UUID, version: int | None, ctx: CommandContext, decide: Decide, *,
        supplier: bool,
    ) -> Recorded:
        """NOT_FOUND for outsiders; FORBIDDEN for the other party, operators, auditors."""
        order, organisations = load_seen(self.ledger, self.memberships, ctx.actor, PurchaseOrder,
                                         order_id, lambda o: o.parties, "order")
        side = UUID(order.startup_id if supplier else order.corporate_id)
        require_side(ctx.actor, organisations, side, "startup" if supplier else "corporate")
        meta = ctx.meta(side)
        return self.ledger.change(PurchaseOrder, order_id, version,
                                  lambda o: decide(o, meta), ctx)
