"""forgetPerson: translate the input, delegate, map the outcome."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from domain.audit import commands as c
from domain.audit.service import ErasureRecorded
from schema.errors import UserError, execute, parse


@strawberry.input
class ForgetPersonInput:
    user_id: str
    reason: str


@strawberry.type(description="erasedEntries: how many ledger entries held that person's personal data, now unreadable. The person stays listed as a member, with displayName and email null.")
class ForgetPersonPayload:
    erased_entries: int
    user_errors: list[UserError]


@strawberry.type
class AuditMutation:
    @strawberry.mutation(description="OPERATOR only: erase a person's personal data everywhere (crypto-shredding); the hash chain still verifies.")
    async def forget_person(self, info: Info[Any, Any], input: ForgetPersonInput) -> ForgetPersonPayload:
        service = info.context.services.commands["audit"]
        recorded, errors = await execute(
            info, lambda: parse(c.ForgetPerson, input), service.forget_person)
        erased = recorded.erased_entries if isinstance(recorded, ErasureRecorded) else 0
        return ForgetPersonPayload(erased_entries=erased, user_errors=errors)
