"""What the call use cases need from the read side, as protocols."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID


class CallApplications(Protocol):
    """The applications read model, searched by call."""

    def selected_for(self, call_id: UUID) -> list[UUID]:
        """Ids of the call's applications the read model shows as SELECTED
        (candidates only: the service checks each on its own stream)."""
        ...
