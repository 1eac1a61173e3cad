"""Audit use cases: forget a person, record a checkpoint. Run off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from domain.actors import CommandContext, Role
from domain.audit.aggregates import Checkpoint, Erasure
from domain.audit.commands import ForgetPerson
from domain.audit.ports import KeyStatus, LedgerHead, PersonalDataIndex
from domain.errors import NotFoundError, RuleViolationError
from domain.ledger import Ledger, Recorded
from domain.policy import require_role
from domain.ports import PersonalDataVault

USER_ID = ("input", "userId")


@dataclass(frozen=True)
class ErasureRecorded(Recorded):
    """Where the PersonForgotten entry lives, and how many entries it made unreadable."""

    erased_entries: int = 0


@dataclass(frozen=True)
class CheckpointRecorded(Recorded):
    """Where the CheckpointRecorded entry lives, and the head it vouches for."""

    head_position: int = 0
    head_hash: str = ""


class AuditService:
    """Erasure (crypto-shredding) and checkpoints of the ledger head."""

    def __init__(
        self, ledger: Ledger, vault: PersonalDataVault, index: PersonalDataIndex,
        head: LedgerHead, new_id: Callable[[], UUID],
    ) -> None:
        self.ledger = ledger
        self.vault = vault
        self.index = index
        self.ledger_head = head
        self.new_id = new_id

    def forget_person(self, cmd: ForgetPerson, ctx: CommandContext) -> ErasureRecorded:
        """OPERATOR only. Records PersonForgotten; the key is destroyed in the same
        transaction (migration 0005), then once more through the vault port,
        which is idempotent."""
        require_role(ctx.actor, Role.OPERATOR)
        status = self.index.key_status(cmd.user_id)
        if status is KeyStatus.UNKNOWN:
            raise NotFoundError(f"No personal data is held for {cmd.user_id}", USER_ID)
        if status is KeyStatus.FORGOTTEN:
            raise RuleViolationError(f"{cmd.user_id} has already been forgotten", USER_ID)
        erased = self.index.sealed_entries(cmd.user_id)
        erasure = Erasure(id=self.new_id(), user_id=cmd.user_id, reason=cmd.reason,
                          erased_entries=erased, meta=ctx.meta())
        recorded = self.ledger.record(erasure, ctx)
        self.vault.forget(cmd.user_id)
        return ErasureRecorded(recorded.stream_id, recorded.position, erased_entries=erased)

    def record_checkpoint(self, ctx: CommandContext) -> CheckpointRecorded:
        """OPERATOR only. Records the current head so it can be kept outside."""
        require_role(ctx.actor, Role.OPERATOR)
        position, ledger_hash = self.ledger_head.head()
        checkpoint = Checkpoint(id=self.new_id(), position=position,
                                ledger_hash=ledger_hash.hex(), meta=ctx.meta())
        recorded = self.ledger.record(checkpoint, ctx)
        return CheckpointRecorded(recorded.stream_id, recorded.position,
                                  head_position=position, head_hash=ledger_hash.hex())
