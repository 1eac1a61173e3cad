"""The canonical terms, their hash and money: what auditors re-implement."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest
from pydantic import ValidationError

from domain.deals.money import Money, MoneyInput
from domain.deals.terms import Terms, terms_hash
from tests.deals.support import terms


def test_the_terms_hash_is_sha256_of_sorted_compact_utf8_json() -> None:
    canonical = terms(scope="Été : capteurs d'irrigation")
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert terms_hash(canonical) == hashlib.sha256(text.encode()).hexdigest()


def test_equal_prices_hash_equally_whatever_their_spelling() -> None:
    price_a = {"amount": Decimal("60000"), "currency": "EUR"}
    price_b = {"amount": "60000.00", "currency": "EUR"}
    assert terms_hash(terms(price=price_a)) == terms_hash(terms(price=price_b))


def test_money_in_terms_is_a_two_decimal_string() -> None:
    assert terms(price={"amount": "1234.5", "currency": "CHF"})["price"] == {
        "amount": "1234.50", "currency": "CHF"}


def test_every_clause_is_in_the_canonical_form_absent_ones_as_null() -> None:
    canonical = terms(licence=None, exclusivity_months=None, price=None)
    assert sorted(canonical) == sorted([
        "scope", "success_criteria", "foreground_ip_owner", "licence", "confidentiality_months",
        "exclusivity_months", "duration_months", "price", "payment_term_days",
        "publication_allowed"])
    assert (canonical["licence"], canonical["price"]) == (None, None)


def test_exclusivity_always_has_an_end() -> None:
    with pytest.raises(ValidationError):
        terms(exclusivity_months=0)


@pytest.mark.parametrize("amount", ["0", "-5", "1.001", "NaN", "Infinity"])
def test_an_amount_is_positive_with_at_most_two_decimals(amount: str) -> None:
    with pytest.raises(ValidationError):
        MoneyInput(amount=Decimal(amount))


def test_an_unknown_currency_is_invalid() -> None:
    with pytest.raises(ValidationError):
        MoneyInput.model_validate({"amount": "10", "currency": "JPY"})


def test_money_in_events_is_a_decimal_string_never_a_float() -> None:
    assert Money.of("0.1").to_event() == {"amount": "0.10", "currency": "EUR"}
    assert Money.from_event({"amount": "0.10", "currency": "EUR"}).amount == Decimal("0.10")


def test_terms_refuse_unknown_clauses() -> None:
    with pytest.raises(ValidationError):
        Terms.model_validate({"scope": "x", "foregroundIpOwner": "JOINT",
                              "confidentialityMonths": 1, "durationMonths": 1, "royalties": 3})
