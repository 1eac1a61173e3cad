"""GraphQL steps the end-to-end tests of the calls slice share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from demo.organisations import siren_for
from tests.support.api import Api

AUDITOR = ("audrey", "auditor")
PAYLOADS = {
    "Solution": "solution { id status }",
    "Call": "call { id status version acceptingApplications applicationCount deadline }",
    "Application": "application { id status weightedScore decisionReason"
                   " scores { criterion value evaluatorId } }",
}
INPUTS = {  # mutation field → (input type, payload type)
    "publishSolution": ("PublishSolutionInput", "Solution"),
    "draftCall": ("DraftCallInput", "Call"),
    "publishCall": ("CallCommandInput", "Call"),
    "extendCallDeadline": ("ExtendDeadlineInput", "Call"),
    "closeCall": ("CallCommandInput", "Call"),
    "startEvaluation": ("CallCommandInput", "Call"),
    "cancelCall": ("CallCommandInput", "Call"),
    "awardCall": ("CallCommandInput", "Call"),
    "submitApplication": ("SubmitApplicationInput", "Application"),
    "withdrawApplication": ("ApplicationCommandInput", "Application"),
    "scoreApplication": ("ScoreApplicationInput", "Application"),
    "shortlistApplication": ("ApplicationCommandInput", "Application"),
    "selectApplication": ("ApplicationCommandInput", "Application"),
    "rejectApplication": ("ApplicationCommandInput", "Application"),
}


def iso_in(seconds: float) -> str:
    """A deadline relative to now (tests never pin absolute dates)."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


User = tuple[str, str]


async def mutate(api: Api, field: str, input: dict[str, Any], user: User) -> dict[str, Any]:
    """The mutation's payload (entity or None, and userErrors)."""
    input_type, payload = INPUTS[field]
    doc = (f"mutation($i: {input_type}!) {{ {field}(input: $i) {{ {PAYLOADS[payload]}"
           " userErrors { code field message } } }")
    data = await api.data(doc, {"i": input}, as_user=user)
    result: dict[str, Any] = data[field]
    return result


async def done(api: Api, field: str, input: dict[str, Any], user: User) -> dict[str, Any]:
    """A mutation that must succeed: its entity."""
    payload = await mutate(api, field, input, user)
    assert payload["userErrors"] == [], payload["userErrors"]
    entity: dict[str, Any] = next(v for k, v in payload.items() if k != "userErrors")
    return entity


async def ledger_size(api: Api) -> int:
    data = await api.data("{ ledger(first: 1) { totalCount } }", as_user=AUDITOR)
    size: int = data["ledger"]["totalCount"]
    return size


async def refused(
    api: Api, field: str, input: dict[str, Any], user: User, code: str,
    path: list[str] | None = None,
) -> None:
    """The mutation answers `code` in userErrors, returns no entity and appends nothing."""
    before = await ledger_size(api)
    payload = await mutate(api, field, input, user)
    codes = [e["code"] for e in payload["userErrors"]]
    assert codes == [code], (field, payload["userErrors"])
    if path is not None:
        assert payload["userErrors"][0]["field"] == path
    assert all(v is None for k, v in payload.items() if k != "userErrors")
    assert await ledger_size(api) == before


async def register(api: Api, kind: str, name: str, user: str, seed: int, **extra: Any) -> str:
    """A startup or corporate registered by `user` (who becomes its ADMIN)."""
    field = f"register{kind}"
    doc = (f"mutation($i: Register{kind}Input!) {{ {field}(input: $i) {{ {kind.lower()} {{ id }}"
           " userErrors { code message } } }")
    fields = {"name": name, "siren": siren_for(seed), "description": f"{name}, {kind}",
              "contactName": user.title(), "contactEmail": f"{user}@example.fr", **extra}
    data = await api.data(doc, {"i": fields}, as_user=(user, kind.lower()))
    assert data[field]["userErrors"] == []
    org_id: str = data[field][kind.lower()]["id"]
    return org_id


def call_input(corporate_id: str, deadline: str, **extra: Any) -> dict[str, Any]:
    return {"corporateId": corporate_id, "title": "Stockage d'énergie pour les réseaux",
            "challenge": "Lisser la production des parcs éoliens.", "sectors": ["Énergie"],
            "criteria": [{"name": "Innovation", "weight": 60}, {"name": "Impact", "weight": 40}],
            "budget": {"amount": "250000.00"}, "deadline": deadline, **extra}
