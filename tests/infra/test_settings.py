from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from infra.settings import DEFAULT_JWT_SECRET, Settings, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.upper().startswith("PASSERELLE_") or name.upper() == "DATABASE_URL":
            monkeypatch.delenv(name)
    return monkeypatch


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.data_dir == Path("./.data")
    assert settings.jwt_secret == DEFAULT_JWT_SECRET
    assert settings.jwt_secret_is_default
    assert settings.demo is True
    assert settings.env == "development"
    assert settings.jwt_issuer is None and settings.jwt_audience is None
    assert settings.jwt_public_key_file is None and not settings.uses_rs256
    assert settings.jwt_leeway_seconds == 30
    assert settings.db_pool_size == 10
    assert settings.projection_wait_seconds == 5.0
    assert settings.log_level == "INFO"


def test_reads_prefixed_environment(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in {
        "PASSERELLE_HOST": "0.0.0.0",
        "PASSERELLE_PORT": "9001",
        "PASSERELLE_DATA_DIR": "/var/lib/passerelle",
        "PASSERELLE_JWT_SECRET": "s" * 40,
        "PASSERELLE_DEMO": "false",
        "PASSERELLE_ENV": "production",
        "PASSERELLE_JWT_ISSUER": "https://id.example",
        "PASSERELLE_JWT_AUDIENCE": "passerelle",
        "PASSERELLE_JWT_LEEWAY_SECONDS": "5",
        "PASSERELLE_DB_POOL_SIZE": "3",
        "PASSERELLE_PROJECTION_WAIT_SECONDS": "0.5",
        "PASSERELLE_LOG_LEVEL": "debug",
    }.items():
        clean_env.setenv(name, value)
    settings = load_settings()
    assert (settings.host, settings.port) == ("0.0.0.0", 9001)
    assert settings.data_dir == Path("/var/lib/passerelle")
    assert settings.jwt_secret == "s" * 40 and not settings.jwt_secret_is_default
    assert settings.demo is False
    assert settings.env == "production"
    assert settings.jwt_issuer == "https://id.example"
    assert settings.jwt_audience == "passerelle"
    assert settings.jwt_leeway_seconds == 5
    assert settings.db_pool_size == 3
    assert settings.projection_wait_seconds == 0.5
    assert settings.log_level == "DEBUG"


def test_database_url_has_no_prefix(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("PASSERELLE_DATABASE_URL", "postgresql://ignored/db")
    assert load_settings().database_url is None
    clean_env.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    assert load_settings().database_url == "postgresql://postgres@127.0.0.1:5432/test"


def test_blank_database_url_means_unset(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", "  ")
    assert load_settings().database_url is None


def test_keyword_arguments_override_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", "postgresql://from-env/db")
    assert Settings(database_url="postgresql://explicit/db").database_url == (
        "postgresql://explicit/db"
    )


def test_production_refuses_the_development_secret(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("PASSERELLE_ENV", "production")
    with pytest.raises(ValidationError, match="development secret"):
        load_settings()


def test_production_accepts_rs256_without_secret(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key_file = tmp_path / "public.pem"
    key_file.write_text("-----BEGIN PUBLIC KEY-----\n")
    clean_env.setenv("PASSERELLE_ENV", "production")
    clean_env.setenv("PASSERELLE_JWT_PUBLIC_KEY_FILE", str(key_file))
    settings = load_settings()
    assert settings.uses_rs256 and settings.jwt_public_key_file == key_file


def test_missing_public_key_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        Settings(jwt_public_key_file=tmp_path / "absent.pem")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("jwt_secret", "too-short"),
        ("port", 70000),
        ("db_pool_size", 0),
        ("jwt_leeway_seconds", -1),
        ("projection_wait_seconds", -0.1),
        ("env", "staging"),
        ("log_level", "LOUD"),
    ],
)
def test_invalid_values_are_refused(field: str, value: object) -> None:
    overrides: dict[str, Any] = {field: value}  # deliberately invalid for its field
    with pytest.raises(ValidationError):
        Settings(**overrides)


def test_every_field_is_documented() -> None:
    undocumented = [name for name, f in Settings.model_fields.items() if not f.description]
    assert undocumented == []
