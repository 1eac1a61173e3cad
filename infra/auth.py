"""Bearer JWT authentication.

Two modes, chosen by the settings and never by the token:

* HS256 (development, default): tokens signed with ``PASSERELLE_JWT_SECRET``.
* RS256 (production with an identity provider): set ``PASSERELLE_JWT_PUBLIC_KEY_FILE``;
  only RS256 tokens verified with that public key are accepted and HS256 is refused,
  which rules out the classic "HS256 signed with the public key" confusion attack.

Token claims: ``sub`` (user id, required), ``role`` (one of `ROLES`, lower case,
required), ``exp`` (required), ``nbf``/``iat`` (honoured when present), ``orgs``
(list of organisation ids, optional, used by integrators), plus ``iss``/``aud`` when
the settings configure them.
"""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import jwt

from infra.settings import Settings

ROLES: Final[frozenset[str]] = frozenset(
    {"startup", "corporate", "operator", "auditor", "integrator"}
)

_HS256: Final = "HS256"
_RS256: Final = "RS256"


@dataclass(frozen=True)
class Claims:
    """The verified identity carried by a token."""

    sub: str
    role: str
    orgs: tuple[str, ...] = ()


class InvalidTokenError(Exception):
    """A token (or Authorization header) that must be refused.

    ``str(error)`` is a human-readable reason safe to return to the client;
    ``reason`` is a short stable code for logs and metrics.
    """

    def __init__(self, message: str, *, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason


def parse_authorization_header(value: str | None) -> str | None:
    """Extract the token from an ``Authorization: Bearer <token>`` header value.

    ``None`` (no header) gives ``None``: the caller is a visitor. Anything present but
    not of the form ``Bearer <token>`` raises `InvalidTokenError`, because a client that
    tried to authenticate must never be silently downgraded to a visitor.
    """
    if value is None:
        return None
    parts = value.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise InvalidTokenError(
            "Authorization header must have the form 'Bearer <token>'", reason="malformed_header"
        )
    return parts[1]


def decode_token(token: str, settings: Settings) -> Claims:
    """Verify ``token`` against the settings and return its claims.

    Raises `InvalidTokenError` with a clear message on any problem: malformed token,
    algorithm not allowed (including ``none``), bad signature, expired, not yet valid,
    missing claim, issuer or audience mismatch, unknown role.
    """
    hit = _VERIFIED.get(token)
    if hit is not None and hit[3] is settings and hit[1] <= time.time() < hit[2]:
        return hit[0]
    algorithm = _allowed_algorithm(settings)
    _check_header_algorithm(token, algorithm)
    try:
        payload = jwt.decode(
            token,
            key=_verification_key(settings),
            # A one-element allow-list fixed by the settings: the header cannot pick it.
            algorithms=[algorithm],
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            leeway=settings.jwt_leeway_seconds,
            options={"require": _required_claims(settings), "enforce_minimum_key_length": True},
        )
    except jwt.PyJWTError as exc:
        raise _translate(exc) from exc
    claims = _claims_from_payload(payload)
    _remember(token, claims, payload, settings)
    return claims


# Verified tokens, so a client's every request does not pay the signature check
# again; validity (nbf, exp with leeway) is rechecked on every hit.
_VERIFIED: OrderedDict[str, tuple[Claims, float, float, Settings]] = OrderedDict()
_VERIFIED_MAX = 4096


def _remember(token: str, claims: Claims, payload: Mapping[str, Any], settings: Settings) -> None:
    exp, nbf = payload.get("exp"), payload.get("nbf")
    if not isinstance(exp, int | float):
        return
    leeway = settings.jwt_leeway_seconds
    start = nbf - leeway if isinstance(nbf, int | float) else float("-inf")
    _VERIFIED[token] = (claims, start, exp + leeway, settings)
    if len(_VERIFIED) > _VERIFIED_MAX:
        _VERIFIED.popitem(last=False)


def issue_token(
    settings: Settings,
    *,
    sub: str,
    role: str,
    orgs: Iterable[str] = (),
    ttl_seconds: int = 3600 * 8,
) -> str:
    """Mint an HS256 token accepted by `decode_token` under the same settings.

    For development, demos and tests. Refused in RS256 mode, where tokens come from an
    identity provider that holds the private key.
    """
    if settings.uses_rs256:
        raise RuntimeError(
            "cannot issue tokens in RS256 mode: only the identity provider holds the private key"
        )
    role = _checked_role(role)
    if not sub:
        raise ValueError("sub must be a non-empty string")
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": sub,
        "role": role,
        "orgs": list(orgs),
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if settings.jwt_issuer is not None:
        payload["iss"] = settings.jwt_issuer
    if settings.jwt_audience is not None:
        payload["aud"] = settings.jwt_audience
    return jwt.encode(payload, settings.jwt_secret, algorithm=_HS256)


def _allowed_algorithm(settings: Settings) -> str:
    return _RS256 if settings.uses_rs256 else _HS256


def _verification_key(settings: Settings) -> Any:
    if settings.jwt_public_key_file is not None:
        return _load_public_key(settings.jwt_public_key_file)
    return settings.jwt_secret


@functools.lru_cache(maxsize=4)
def _load_public_key(path: Path) -> Any:
    # Parsed once per file per process: verifying must not touch the disk per request.
    # Rotating the key therefore needs a restart.
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(path.read_bytes())


def _required_claims(settings: Settings) -> list[str]:
    required = ["exp", "sub", "role"]
    if settings.jwt_issuer is not None:
        required.append("iss")
    if settings.jwt_audience is not None:
        required.append("aud")
    return required


def _check_header_algorithm(token: str, expected: str) -> None:
    """Refuse a wrong ``alg`` up front, so the message names it (``none`` included)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidTokenError("token is malformed", reason="malformed") from exc
    alg = header.get("alg")
    if alg != expected:
        raise InvalidTokenError(
            f"token algorithm {alg!r} is not allowed (expected {expected})",
            reason="algorithm_not_allowed",
        )


def _translate(exc: jwt.PyJWTError) -> InvalidTokenError:
    """Map PyJWT's exceptions to one error type with a stable reason code."""
    # Order matters: several of these subclass each other (e.g. Expired < InvalidToken).
    if isinstance(exc, jwt.ExpiredSignatureError):
        return InvalidTokenError("token has expired", reason="expired")
    if isinstance(exc, jwt.ImmatureSignatureError):
        return InvalidTokenError(f"token is not valid yet: {exc}", reason="not_yet_valid")
    if isinstance(exc, jwt.InvalidSignatureError):
        return InvalidTokenError("token signature is invalid", reason="bad_signature")
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return InvalidTokenError(
            f"token is missing the required {exc.claim!r} claim", reason="missing_claim"
        )
    if isinstance(exc, jwt.InvalidIssuerError):
        return InvalidTokenError("token issuer is not accepted", reason="bad_issuer")
    if isinstance(exc, jwt.InvalidAudienceError):
        return InvalidTokenError("token audience is not accepted", reason="bad_audience")
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return InvalidTokenError("token algorithm is not allowed", reason="algorithm_not_allowed")
    if isinstance(exc, jwt.DecodeError):
        return InvalidTokenError(f"token is malformed: {exc}", reason="malformed")
    return InvalidTokenError(f"token is invalid: {exc}")


def _claims_from_payload(payload: Mapping[str, Any]) -> Claims:
    sub = payload.get("sub")
    if not isinstance(sub, str) or not sub:
        raise InvalidTokenError("token 'sub' claim must be a non-empty string", reason="bad_claim")
    role = payload.get("role")
    if not isinstance(role, str) or role not in ROLES:
        raise InvalidTokenError(
            f"token role {role!r} is not one of {', '.join(sorted(ROLES))}", reason="bad_role"
        )
    return Claims(sub=sub, role=role, orgs=_orgs_from(payload.get("orgs")))


def _orgs_from(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(o, str) and o for o in value):
        raise InvalidTokenError(
            "token 'orgs' claim must be a list of organisation ids", reason="bad_claim"
        )
    return tuple(value)


def _checked_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(sorted(ROLES))}")
    return role
