"""Process configuration, read from environment variables.

Every setting except ``DATABASE_URL`` is read from a ``PASSERELLE_``-prefixed variable
(``PASSERELLE_PORT``, ``PASSERELLE_JWT_SECRET``, ...). ``DATABASE_URL`` keeps its
conventional unprefixed name so that hosting platforms can inject it as they usually do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Well-known on purpose: anyone can mint tokens with it, which is what local development
# and demos want and what production must never accept (see `_refuse_dev_secret_in_production`).
DEFAULT_JWT_SECRET = "passerelle-development-secret-do-not-use-in-production"
# Persons' keys in memory (infra/sync_ports.py PgVault): also the default of
# callers that open the write side without settings (tests, CLIs).
KEY_TTL_SECONDS = 300.0
# PASSERELLE_DB_TIMEOUT_SECONDS's default, also for the write side opened without settings.
DB_TIMEOUT_SECONDS = 20.0

LogLevel = Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]


class Settings(BaseSettings):
    """Configuration of one Passerelle process."""

    model_config = SettingsConfigDict(
        env_prefix="PASSERELLE_",
        case_sensitive=False,
        extra="ignore",
    )

    database_url: str | None = Field(
        default=None,
        # An explicit alias is how pydantic-settings exempts one field from env_prefix; the
        # lower-case choice lets code pass `database_url=` (populate_by_name would do that
        # too, but would also make PASSERELLE_DATABASE_URL a second, competing variable).
        validation_alias=AliasChoices("DATABASE_URL", "database_url"),
        description=(
            "libpq URL of the PostgreSQL server (env DATABASE_URL, no prefix), usable by "
            "psycopg 3 and asyncpg. Unset: a private embedded server is started in DATA_DIR."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Interface the HTTP server binds to.")
    port: int = Field(
        default=8000, ge=0, le=65535, description="TCP port of the HTTP server (0: any free one)."
    )
    data_dir: Path = Field(
        default=Path("./.data"),
        description="Directory for local state: the embedded PostgreSQL lives in DATA_DIR/pg.",
    )
    jwt_secret: str = Field(
        default=DEFAULT_JWT_SECRET,
        min_length=32,
        description=(
            "HS256 signing secret for bearer tokens (at least 32 characters). Ignored when "
            "JWT_PUBLIC_KEY_FILE switches verification to RS256."
        ),
    )
    demo: bool = Field(
        default=True, description="Seed demonstration data and allow demo token minting."
    )
    env: Literal["development", "production"] = Field(
        default="development",
        description="Deployment kind; production refuses the well-known development JWT secret.",
    )
    jwt_issuer: str | None = Field(
        default=None, description="When set, tokens must carry exactly this `iss` claim."
    )
    jwt_audience: str | None = Field(
        default=None, description="When set, tokens must list this value in their `aud` claim."
    )
    jwt_public_key_file: Path | None = Field(
        default=None,
        description=(
            "PEM file holding the RSA public key of the identity provider. When set, only "
            "RS256 tokens are accepted and HS256 ones are refused."
        ),
    )
    jwt_leeway_seconds: int = Field(
        default=30, ge=0, description="Clock skew tolerated on `exp` and `nbf`, in seconds."
    )
    db_pool_size: int = Field(
        default=10, ge=1, description="Maximum connections in each PostgreSQL pool."
    )
    db_timeout_seconds: float = Field(
        default=DB_TIMEOUT_SECONDS,
        ge=1,
        description=(
            "How long a request waits on PostgreSQL for one command, or for one read "
            "statement (asyncpg's command_timeout: a read then takes about twice that, the "
            "pool waiting as long for its cancel request), before answering 503 "
            "SERVICE_UNAVAILABLE, so that a frozen or partitioned database is refused "
            "instead of hanging. Reads also run under a server-side statement_timeout of "
            "three quarters of it. The write side's connections end once PostgreSQL's host "
            "has not answered for about as long, and at least 5 s (TCP keepalives and "
            "tcp_user_timeout: a partition or a vanished host), freeing the command's "
            "thread; the live ledger's listener bounds its reads by it and reconnects."
        ),
    )
    expiry_sweep_seconds: float = Field(
        default=600.0,
        ge=0,
        description=(
            "How often the platform records the expiry of agreements in force whose "
            "duration has run out (one process at a time across every instance; 0: never)."
        ),
    )
    projection_wait_seconds: float = Field(
        default=5.0,
        ge=0,
        description=(
            "How long a mutation waits for the projections to reach its ledger position "
            "before returning (read-your-writes)."
        ),
    )
    workers: int = Field(
        default=1, ge=1, le=64,
        description=(
            "HTTP server processes sharing the port (uvicorn workers). The projections "
            "still run in exactly one of them (advisory lock)."
        ),
    )
    projector_process: bool = Field(
        default=True,
        description=(
            "`serve` runs the projections in a process of their own (the HTTP processes "
            "take over within seconds if it dies)."
        ),
    )
    key_ttl_seconds: float = Field(
        default=KEY_TTL_SECONDS, ge=0,
        description=(
            "Seconds a person's key stays in memory after it was read (each command checks at "
            "commit that the keys it sealed with are still live). `0`: read on every command."
        ),
    )
    group_commit: bool = Field(
        default=True,
        description=(
            "Commands recorded at the same moment share one transaction (one ledger lock, "
            "one WAL flush); each keeps its own outcome. `0`: one transaction per command."
        ),
    )
    log_level: LogLevel = Field(default="INFO", description="Root logging level.")
    access_log: bool = Field(default=True, description="One JSON log line per HTTP request.")
    max_body_bytes: int = Field(
        default=1_000_000, ge=1024, description="Largest accepted HTTP request body, in bytes."
    )
    max_batch: int = Field(
        default=10, ge=1, description="Most operations in one batched HTTP request."
    )
    max_depth: int = Field(default=12, ge=1, description="Deepest accepted query.")
    max_aliases: int = Field(default=30, ge=1, description="Most aliases in one document.")
    max_tokens: int = Field(default=5000, ge=10, description="Most tokens in one document.")
    persisted_only: bool = Field(
        default=False,
        description="Run only registered persisted documents (`server.py persisted register`).",
    )
    introspection: bool | None = Field(
        default=None,
        description=(
            "Introspection and field suggestions. Unset: on in development, off in production."
        ),
    )
    max_connections_per_token: int = Field(
        default=10, ge=1,
        description="Open WebSocket connections per signed-in user, per instance.")
    max_subscriptions_per_connection: int = Field(
        default=20, ge=1, description="Live subscriptions (operations) on one WebSocket.")
    live_buffer_entries: int = Field(
        default=10_000, ge=1,
        description="Unsent live entries a subscriber may hold before it is disconnected (1013).")
    live_batch_size: int = Field(
        default=500, ge=1, description="Ledger rows per read for subscriptions.")
    live_poll_seconds: float = Field(
        default=2.0, gt=0,
        description="Subscriptions re-read the ledger this often even without a notification.")
    response_cache: bool = Field(
        default=True,
        description="Cache query answers until the projections move (exact invalidation).",
    )
    rate_limit_per_token: int = Field(
        default=1200, ge=0,
        description="Requests per minute per signed-in user, across instances (0: unlimited).",
    )
    rate_limit_per_ip: int = Field(
        default=600, ge=0,
        description=("Requests per minute per client IP without a token, or with one refused "
                     "as invalid (0: unlimited)."),
    )
    ready_max_lag: int = Field(
        default=1000, ge=0,
        description="/readyz fails while the slowest projection is more entries behind than this.",
    )

    @property
    def introspection_enabled(self) -> bool:
        """Explicit setting, else on outside production."""
        return self.introspection if self.introspection is not None else self.env != "production"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url", "jwt_issuer", "jwt_audience", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `DATABASE_URL=` in a shell or compose file means "not set", not "connect to ''".
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("jwt_public_key_file", mode="before")
    @classmethod
    def _blank_path_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("jwt_public_key_file")
    @classmethod
    def _public_key_file_readable(cls, value: Path | None) -> Path | None:
        # Fail at start-up rather than on the first authenticated request.
        if value is not None and not value.is_file():
            raise ValueError(f"JWT public key file {value} does not exist or is not a file")
        return value

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> Settings:
        if self.env == "production" and self.jwt_secret_is_default and not self.uses_rs256:
            raise ValueError(
                "PASSERELLE_ENV=production requires PASSERELLE_JWT_SECRET (or "
                "PASSERELLE_JWT_PUBLIC_KEY_FILE): the default development secret is public"
            )
        return self

    @property
    def jwt_secret_is_default(self) -> bool:
        """True while the publicly known development secret is in use."""
        return self.jwt_secret == DEFAULT_JWT_SECRET

    @property
    def uses_rs256(self) -> bool:
        """True when tokens are verified with an RSA public key instead of the HS256 secret."""
        return self.jwt_public_key_file is not None


def load_settings() -> Settings:
    """Read the settings from the process environment (raises pydantic.ValidationError)."""
    return Settings()
