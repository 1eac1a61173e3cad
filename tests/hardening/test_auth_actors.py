"""A token's requests share one Actor (immutable), built once from its claims;
claims that cannot make an actor are refused every time."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from infra.auth import Claims, InvalidTokenError
from schema.auth import actor_from_claims


def test_the_same_claims_give_the_same_actor() -> None:
    org = str(uuid.uuid4())
    first = actor_from_claims(Claims(sub="ada", role="integrator", orgs=(org,)))
    again = actor_from_claims(Claims(sub="ada", role="integrator", orgs=(org,)))
    assert again is first
    assert first.integrator_orgs == frozenset({uuid.UUID(org)})
    assert actor_from_claims(Claims(sub="ada", role="startup")) is not first
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.user_id = "eve"  # type: ignore[misc]


def test_bad_organisation_ids_are_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(InvalidTokenError):
            actor_from_claims(Claims(sub="ada", role="integrator", orgs=("not-a-uuid",)))
