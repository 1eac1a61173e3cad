-- depends: 0002_organisations
-- Operations: persisted GraphQL documents (APQ and the production allow-list)
-- and request rate-limit buckets shared by every instance.

CREATE TABLE IF NOT EXISTS persisted_queries (
    sha256 text PRIMARY KEY,
    document text NOT NULL,
    -- Registered by an operator (allowed in PASSERELLE_PERSISTED_ONLY mode) or
    -- learnt through automatic persisted queries (allowed otherwise only).
    registered boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNLOGGED TABLE IF NOT EXISTS rate_limits (
    bucket text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    hits int NOT NULL
);
