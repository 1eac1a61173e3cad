"""The viewer's read access to calls and applications (domain/calls/policy.py)
and the per-request loaders of this slice."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from strawberry.types import Info

from domain.actors import Role
from domain.calls.policy import can_see_application, can_see_call, sees_every_application
from projections.queries import calls as q
from schema.reading import batch_loader, load_by_id


async def call_visibility(info: Info[Any, Any]) -> q.Visibility:
    return q.Visibility(everything=info.context.actor.role is Role.AUDITOR,
                        organisations=await info.context.viewer_orgs())


async def application_visibility(info: Info[Any, Any]) -> q.Visibility:
    return q.Visibility(everything=sees_every_application(info.context.actor),
                        organisations=await info.context.viewer_orgs())


async def sees_call(info: Info[Any, Any], row: Any) -> bool:
    return row is not None and can_see_call(
        info.context.actor, await info.context.viewer_orgs(), row["status"], row["corporate_id"])


async def sees_application(info: Info[Any, Any], row: Any) -> bool:
    return row is not None and can_see_application(
        info.context.actor, await info.context.viewer_orgs(), row["startup_id"],
        row["corporate_id"])


async def call_row(info: Info[Any, Any], call_id: UUID) -> Any:
    """The current row, whoever asks (callers check visibility)."""
    return await load_by_id(info, "calls.call", q.calls_by_id, call_id)


async def application_row(info: Info[Any, Any], application_id: UUID) -> Any:
    return await load_by_id(info, "calls.application", q.applications_by_id, application_id)


async def application_count(info: Info[Any, Any], call_id: UUID) -> int:
    loader = info.context.loader("calls.count", batch_loader(q.application_counts, 0))
    count: int = await loader.load(call_id)
    return count
