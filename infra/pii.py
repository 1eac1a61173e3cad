"""Sealed personal data: AES-256-GCM with one key per person.

A token reads `pii:v1:<user id, base64url>:<nonce + ciphertext, base64url>`; the
user id is also the associated data, so a token cannot be moved to another person.
Destroying the key (forgetPerson) makes every token of that person unreadable,
while the event bytes, and so the hash chain, stay untouched."""

from __future__ import annotations

import base64
import os
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "pii:v1:"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(user_id: str, key: bytes, data: dict[str, str]) -> str:
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, orjson.dumps(data), user_id.encode())
    return f"{PREFIX}{_b64(user_id.encode())}:{_b64(nonce + ciphertext)}"


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def owner_of(token: str) -> str:
    """The user id a token was sealed for."""
    return _unb64(token[len(PREFIX):].split(":", 1)[0]).decode()


def unseal(token: str, key: bytes | None) -> dict[str, Any] | None:
    """The sealed data, or None once the key is gone (or the token is damaged)."""
    if key is None:
        return None
    try:
        blob = _unb64(token[len(PREFIX):].split(":", 1)[1])
        plain = AESGCM(key).decrypt(blob[:12], blob[12:], owner_of(token).encode())
    except (InvalidTag, ValueError, IndexError):
        return None
    data: dict[str, Any] = orjson.loads(plain)
    return data


def collect_owners(value: Any, into: set[str]) -> set[str]:
    """Every user id whose sealed data appears anywhere inside `value`."""
    if is_sealed(value):
        into.add(owner_of(value))
    elif isinstance(value, dict):
        for item in value.values():
            collect_owners(item, into)
    elif isinstance(value, list):
        for item in value:
            collect_owners(item, into)
    return into


def reveal(value: Any, keys: dict[str, bytes]) -> Any:
    """A copy of `value` with every sealed token opened, or None where erased."""
    if is_sealed(value):
        return unseal(value, keys.get(owner_of(value)))
    if isinstance(value, dict):
        return {k: reveal(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v, keys) for v in value]
    return value
