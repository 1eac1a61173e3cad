"""The audit use cases on an in-memory ledger: given / when / then."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from domain.actors import Actor, CommandContext, Role
from domain.audit.aggregates import Checkpoint, Erasure
from domain.audit.commands import ForgetPerson
from domain.audit.ports import KeyStatus
from domain.audit.service import AuditService
from domain.errors import ForbiddenError, NotFoundError, RuleViolationError, UnauthenticatedError
from domain.ledger import Ledger

STREAM = UUID("00000000-0000-0000-0000-00000000e1a5")


class FakePeople:
    """Keys by user id (None once destroyed) and sealed-entry counts."""

    def __init__(self, keys: dict[str, bool], sealed: dict[str, int]) -> None:
        self.live = keys
        self.sealed = sealed
        self.forgotten: list[str] = []

    def key_status(self, user_id: str) -> KeyStatus:
        if user_id not in self.live:
            return KeyStatus.UNKNOWN
        return KeyStatus.LIVE if self.live[user_id] else KeyStatus.FORGOTTEN

    def sealed_entries(self, user_id: str) -> int:
        return self.sealed.get(user_id, 0)

    def seal(self, user_id: str, data: dict[str, str]) -> str:
        raise AssertionError("the audit slice seals nothing")

    def forget(self, user_id: str) -> None:
        self.live[user_id] = False
        self.forgotten.append(user_id)


class FixedHead:
    def head(self) -> tuple[int, bytes]:
        return 41, b"\x07" * 32


class NoIdempotency:
    def find(self, scope: str, key: str) -> None:
        return None


@pytest.fixture
def people() -> FakePeople:
    return FakePeople({"bruno": True, "zoe": False}, {"bruno": 3})


@pytest.fixture
def service(people: FakePeople) -> AuditService:
    ledger = Ledger({"PERSISTENCE_MODULE": "eventsourcing.popo"}, NoIdempotency())
    return AuditService(ledger, people, people, FixedHead(), lambda: STREAM)


def ctx(role: Role, user: str | None = "olga") -> CommandContext:
    return CommandContext(Actor(user, role), datetime(2026, 1, 2, tzinfo=UTC), "corr-1")


def test_forgetting_records_the_erasure_with_its_count(service: AuditService,
                                                       people: FakePeople) -> None:
    result = service.forget_person(ForgetPerson(user_id="bruno", reason="GDPR"),
                                   ctx(Role.OPERATOR))
    erasure = service.ledger.load(Erasure, STREAM)
    assert (erasure.user_id, erasure.reason, erasure.erased_entries) == ("bruno", "GDPR", 3)
    assert result.erased_entries == 3
    assert people.forgotten == ["bruno"]


def test_a_visitor_must_sign_in(service: AuditService) -> None:
    with pytest.raises(UnauthenticatedError):
        service.forget_person(ForgetPerson(user_id="bruno", reason="x"), ctx(Role.VISITOR, None))


def test_an_auditor_may_not_forget(service: AuditService, people: FakePeople) -> None:
    with pytest.raises(ForbiddenError):
        service.forget_person(ForgetPerson(user_id="bruno", reason="x"), ctx(Role.AUDITOR))
    assert people.forgotten == []


def test_someone_without_data_is_not_found(service: AuditService) -> None:
    with pytest.raises(NotFoundError):
        service.forget_person(ForgetPerson(user_id="nobody", reason="x"), ctx(Role.OPERATOR))


def test_someone_already_forgotten_cannot_be_forgotten_again(service: AuditService) -> None:
    with pytest.raises(RuleViolationError):
        service.forget_person(ForgetPerson(user_id="zoe", reason="x"), ctx(Role.OPERATOR))
    assert not service.ledger.exists(STREAM)


def test_a_checkpoint_records_the_head(service: AuditService) -> None:
    result = service.record_checkpoint(ctx(Role.OPERATOR))
    checkpoint = service.ledger.load(Checkpoint, STREAM)
    assert (checkpoint.position, checkpoint.ledger_hash) == (41, "07" * 32)
    assert (result.head_position, result.head_hash) == (41, "07" * 32)


def test_only_operators_record_checkpoints(service: AuditService) -> None:
    with pytest.raises(ForbiddenError):
        service.record_checkpoint(ctx(Role.AUDITOR))
