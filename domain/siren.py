"""French company numbers (SIREN): 9 digits with a valid Luhn checksum."""

from __future__ import annotations


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn checksum."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise_siren(raw: str) -> str:
    """Strips the spaces people type ("552 100 554") before validation."""
    return raw.replace(" ", "").replace("\u00a0", "")


def is_valid_siren(siren: str) -> bool:
    """9 ASCII digits and a valid Luhn checksum."""
    return len(siren) == 9 and siren.isascii() and siren.isdigit() and luhn_valid(siren)
