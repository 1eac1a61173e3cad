"""Validated inputs of the audit commands (field names as in the API)."""

from __future__ import annotations

from domain.validation import Command, Text, UserId


class ForgetPerson(Command):
    user_id: UserId
    reason: Text
