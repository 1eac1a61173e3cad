"""What the domain needs from the outside world, as protocols. Adapters live in
infra/; tests may use the real ones on PostgreSQL."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from domain.actors import MemberRole


class Memberships(Protocol):
    """The membership read model: which organisations a user belongs to."""

    def roles_of(self, user_id: str) -> dict[UUID, MemberRole]:
        """Organisation id → the user's role there."""
        ...


class PersonalDataVault(Protocol):
    """Encrypts personal data with a key per person (crypto-shredding)."""

    def seal(self, user_id: str, data: dict[str, str]) -> str:
        """An opaque token holding `data`, readable while the key exists."""
        ...

    def forget(self, user_id: str) -> None:
        """Destroys the person's key: every token sealed for them is unreadable."""
        ...


class IdempotencyRecords(Protocol):
    """First results of commands sent with an idempotency key."""

    def find(self, scope: str, key: str) -> tuple[UUID, int] | None:
        """(stream id, ledger position) of the first result, if any."""
        ...
