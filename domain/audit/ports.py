"""What the audit use cases need from the outside world."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class KeyStatus(StrEnum):
    """Where a person's personal-data key stands."""

    UNKNOWN = "UNKNOWN"  # nothing was ever sealed for them
    LIVE = "LIVE"
    FORGOTTEN = "FORGOTTEN"


class PersonalDataIndex(Protocol):
    """Finds a person's sealed data in the ledger."""

    def key_status(self, user_id: str) -> KeyStatus:
        """Whether the person has a key, and whether it is destroyed."""
        ...

    def sealed_entries(self, user_id: str) -> int:
        """How many ledger entries hold data sealed for this person."""
        ...


class LedgerHead(Protocol):
    """The last entry of the whole ledger."""

    def head(self) -> tuple[int, bytes]:
        """(position, ledgerHash); (0, 32 zero bytes) for an empty ledger."""
        ...
