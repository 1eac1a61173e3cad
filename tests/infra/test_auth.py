from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.auth import (
    ROLES,
    Claims,
    InvalidTokenError,
    decode_token,
    issue_token,
    parse_authorization_header,
)
from infra.settings import Settings

SECRET = "unit-test-secret-with-at-least-32-characters"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("PASSERELLE_") or name.upper() == "DATABASE_URL":
            monkeypatch.delenv(name)


def hs_settings(**overrides: Any) -> Settings:
    return Settings(jwt_secret=SECRET, **overrides)


def payload(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": "user-1", "role": "startup", "exp": int(time.time()) + 600}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def hs256(claims: dict[str, Any], key: str | bytes = SECRET) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


def refused(token: str, settings: Settings, reason: str) -> InvalidTokenError:
    with pytest.raises(InvalidTokenError) as caught:
        decode_token(token, settings)
    assert caught.value.reason == reason, str(caught.value)
    assert str(caught.value)  # a message a client can read
    return caught.value


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# --- accepted tokens ---------------------------------------------------------------


def test_valid_token_gives_claims() -> None:
    token = hs256(payload(orgs=["org-1", "org-2"], role="integrator"))
    assert decode_token(token, hs_settings()) == Claims(
        sub="user-1", role="integrator", orgs=("org-1", "org-2")
    )


def test_orgs_default_to_empty() -> None:
    assert decode_token(hs256(payload()), hs_settings()).orgs == ()


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_role_is_accepted(role: str) -> None:
    assert decode_token(hs256(payload(role=role)), hs_settings()).role == role


def test_issue_token_round_trips() -> None:
    settings = hs_settings(jwt_issuer="https://id.example", jwt_audience="passerelle")
    token = issue_token(settings, sub="u-9", role="corporate", orgs=["o-1"])
    assert decode_token(token, settings) == Claims(sub="u-9", role="corporate", orgs=("o-1",))
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "HS256"


def test_issue_token_validates_its_input() -> None:
    with pytest.raises(ValueError, match="role"):
        issue_token(hs_settings(), sub="u", role="admin")
    with pytest.raises(ValueError, match="sub"):
        issue_token(hs_settings(), sub="", role="startup")


def test_leeway_tolerates_small_clock_skew() -> None:
    now = int(time.time())
    token = hs256(payload(exp=now - 10, nbf=now + 10))
    assert decode_token(token, hs_settings(jwt_leeway_seconds=30)).sub == "user-1"


# --- refusals ----------------------------------------------------------------------


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "a.b", "....", "eyJ.eyJ.sig"])
def test_malformed_token(token: str) -> None:
    refused(token, hs_settings(), "malformed")


def test_bad_signature() -> None:
    refused(
        hs256(payload(), key="another-secret-of-at-least-32-characters"),
        hs_settings(),
        "bad_signature",
    )


def test_tampered_payload() -> None:
    header, _, signature = hs256(payload()).split(".")
    forged = f"{header}.{b64(payload(role='operator'))}.{signature}"
    refused(forged, hs_settings(), "bad_signature")


def test_expired() -> None:
    error = refused(hs256(payload(exp=int(time.time()) - 120)), hs_settings(), "expired")
    assert "expired" in str(error)


def test_expiry_honours_configured_leeway() -> None:
    token = hs256(payload(exp=int(time.time()) - 10))
    refused(token, hs_settings(jwt_leeway_seconds=0), "expired")


def test_not_before_in_future() -> None:
    refused(hs256(payload(nbf=int(time.time()) + 300)), hs_settings(), "not_yet_valid")


def test_issued_in_future() -> None:
    refused(hs256(payload(iat=int(time.time()) + 300)), hs_settings(), "not_yet_valid")


def test_missing_exp() -> None:
    error = refused(hs256(payload(exp=None)), hs_settings(), "missing_claim")
    assert "exp" in str(error)


def test_alg_none() -> None:
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload())}."
    error = refused(unsigned, hs_settings(), "algorithm_not_allowed")
    assert "'none'" in str(error)


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_other_hmac_algorithm(alg: str) -> None:
    token = jwt.encode(payload(), SECRET * 2, algorithm=alg)  # long enough for HS512
    refused(token, hs_settings(), "algorithm_not_allowed")


def test_rs256_token_refused_in_hs256_mode(rsa_key: rsa.RSAPrivateKey) -> None:
    token = jwt.encode(payload(), rsa_key, algorithm="RS256")
    refused(token, hs_settings(), "algorithm_not_allowed")


def test_unknown_role() -> None:
    refused(hs256(payload(role="admin")), hs_settings(), "bad_role")


def test_role_must_be_lower_case() -> None:
    refused(hs256(payload(role="STARTUP")), hs_settings(), "bad_role")


def test_missing_role() -> None:
    refused(hs256(payload(role=None)), hs_settings(), "missing_claim")


def test_missing_sub() -> None:
    error = refused(hs256(payload(sub=None)), hs_settings(), "missing_claim")
    assert "sub" in str(error)


def test_empty_sub() -> None:
    refused(hs256(payload(sub="")), hs_settings(), "bad_claim")


def test_non_string_sub() -> None:
    with pytest.raises(InvalidTokenError, match=r"[Ss]ubject"):
        decode_token(hs256(payload(sub=42)), hs_settings())


@pytest.mark.parametrize("orgs", ["org-1", [1, 2], [""], {"a": 1}])
def test_malformed_orgs(orgs: object) -> None:
    refused(hs256(payload(orgs=orgs)), hs_settings(), "bad_claim")


# --- issuer and audience -------------------------------------------------------------


def test_issuer_verified_when_configured() -> None:
    settings = hs_settings(jwt_issuer="https://id.example")
    assert decode_token(hs256(payload(iss="https://id.example")), settings).sub == "user-1"
    refused(hs256(payload(iss="https://evil.example")), settings, "bad_issuer")
    refused(hs256(payload()), settings, "missing_claim")


def test_audience_verified_when_configured() -> None:
    settings = hs_settings(jwt_audience="passerelle")
    assert decode_token(hs256(payload(aud="passerelle")), settings).sub == "user-1"
    assert decode_token(hs256(payload(aud=["other", "passerelle"])), settings).sub == "user-1"
    refused(hs256(payload(aud="other")), settings, "bad_audience")
    refused(hs256(payload()), settings, "missing_claim")


def test_token_with_audience_refused_when_none_configured() -> None:
    # RFC 7519 4.1.3: a recipient not named in `aud` must reject the token.
    refused(hs256(payload(aud="someone-else")), hs_settings(), "bad_audience")


# --- RS256 mode ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def public_key_pem(rsa_key: rsa.RSAPrivateKey) -> bytes:
    return rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture
def rs_settings(tmp_path: Path, public_key_pem: bytes) -> Settings:
    key_file = tmp_path / "idp-public.pem"
    key_file.write_bytes(public_key_pem)
    return hs_settings(jwt_public_key_file=key_file)


def test_rs256_token_accepted(rsa_key: rsa.RSAPrivateKey, rs_settings: Settings) -> None:
    token = jwt.encode(payload(role="auditor"), rsa_key, algorithm="RS256")
    assert decode_token(token, rs_settings) == Claims(sub="user-1", role="auditor")


def test_hs256_refused_in_rs256_mode(rs_settings: Settings) -> None:
    refused(hs256(payload()), rs_settings, "algorithm_not_allowed")


def test_hs256_signed_with_public_key_refused(rs_settings: Settings, public_key_pem: bytes) -> None:
    # The algorithm-confusion attack: HMAC keyed with the (public) RSA key.
    header = b64({"alg": "HS256", "typ": "JWT"})
    body = b64(payload(role="operator"))
    mac = hmac.new(public_key_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    refused(f"{header}.{body}.{signature}", rs_settings, "algorithm_not_allowed")


def test_rs256_signed_by_another_key_refused(rs_settings: Settings) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused(jwt.encode(payload(), other, algorithm="RS256"), rs_settings, "bad_signature")


def test_rs256_expired(rsa_key: rsa.RSAPrivateKey, rs_settings: Settings) -> None:
    token = jwt.encode(payload(exp=int(time.time()) - 120), rsa_key, algorithm="RS256")
    refused(token, rs_settings, "expired")


def test_no_token_issuing_in_rs256_mode(rs_settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="RS256"):
        issue_token(rs_settings, sub="u", role="startup")


# --- Authorization header ------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "token"),
    [(None, None), ("Bearer abc.def.ghi", "abc.def.ghi"), ("bearer  xyz ", "xyz")],
)
def test_parse_authorization_header(header: str | None, token: str | None) -> None:
    assert parse_authorization_header(header) == token


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Basic dXNlcjpwdw==", "Bearer a b", "abc.def.ghi", "Token abc"],
)
def test_malformed_authorization_header(header: str) -> None:
    with pytest.raises(InvalidTokenError, match="Bearer") as caught:
        parse_authorization_header(header)
    assert caught.value.reason == "malformed_header"
