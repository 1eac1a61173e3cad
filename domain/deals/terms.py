"""The clauses of an agreement and their canonical form.

`terms_hash` is the SHA-256 (hex) of the canonical terms: the JSON object of the
clauses with Python (snake_case) keys sorted, no whitespace, UTF-8, absent
optional clauses as null, money as {"amount": "<two-decimal string>",
"currency": "EUR"}. docs/deals.md spells it out for auditors."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

import orjson
from pydantic import Field

from domain.deals.money import MoneyInput
from domain.validation import Command, ShortText, Text

Months = Annotated[int, Field(ge=0, le=240)]

IpOwner = Literal["STARTUP", "CORPORATE", "JOINT"]


class Terms(Command):
    """One revision's clauses, as the API sends them (AgreementTermsInput)."""

    scope: Text
    success_criteria: Annotated[list[ShortText], Field(max_length=30)] = Field(default_factory=list)
    foreground_ip_owner: IpOwner
    licence: Text | None = None
    confidentiality_months: Months
    # Exclusivity always has an end: a number of months, at least one.
    exclusivity_months: Annotated[int, Field(ge=1, le=120)] | None = None
    duration_months: Annotated[int, Field(ge=1, le=240)]
    price: MoneyInput | None = None
    payment_term_days: Annotated[int, Field(ge=0, le=365)] | None = None
    publication_allowed: bool = False

    def canonical(self) -> dict[str, Any]:
        """The clauses as stored in events and hashed."""
        data = self.model_dump(by_alias=False, exclude={"price"})
        data["price"] = self.price.money().to_event() if self.price else None
        return data


def canonical_bytes(terms: dict[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8 (equal to Python's json.dumps with
    sort_keys=True, separators=(",", ":"), ensure_ascii=False)."""
    return orjson.dumps(terms, option=orjson.OPT_SORT_KEYS)


def terms_hash(terms: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical terms."""
    return hashlib.sha256(canonical_bytes(terms)).hexdigest()
