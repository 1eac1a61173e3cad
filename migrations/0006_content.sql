-- depends: 0002_organisations
-- Read models of open content (resources, case studies, platform events) and
-- the state tables of the key-figures projection (docs/content.md).

CREATE TABLE IF NOT EXISTS resources (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('GUIDE', 'ARTICLE', 'VIDEO', 'TEMPLATE')),
    title text NOT NULL,
    body text NOT NULL,
    tags text[] NOT NULL DEFAULT '{}',
    version int NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    search tsvector GENERATED ALWAYS AS (passerelle_tsv(
        title || ' ' || body || ' ' || passerelle_join(tags)
    )) STORED
);
CREATE INDEX IF NOT EXISTS resources_created_idx ON resources (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS resources_kind_idx ON resources (kind, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS resources_search_idx ON resources USING gin (search);

CREATE TABLE IF NOT EXISTS case_studies (
    id uuid PRIMARY KEY,
    agreement_id uuid NOT NULL,
    corporate_id uuid NOT NULL,
    startup_id uuid NOT NULL,
    title text NOT NULL,
    summary text NOT NULL,
    consented_by uuid[] NOT NULL DEFAULT '{}',
    published boolean NOT NULL DEFAULT false,
    published_at timestamptz,
    version int NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS case_studies_created_idx ON case_studies (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS case_studies_corporate_idx ON case_studies (corporate_id);
CREATE INDEX IF NOT EXISTS case_studies_startup_idx ON case_studies (startup_id);

CREATE TABLE IF NOT EXISTS platform_events (
    id uuid PRIMARY KEY,
    title text NOT NULL,
    starts_at timestamptz NOT NULL,
    location text NOT NULL,
    capacity int NOT NULL,
    registered uuid[] NOT NULL DEFAULT '{}',
    cancelled boolean NOT NULL DEFAULT false,
    version int NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS platform_events_starts_idx ON platform_events (starts_at, id);

-- Key figures: counters and sums folded from the ledger...
CREATE TABLE IF NOT EXISTS stats_counters (
    name text PRIMARY KEY,
    value bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS stats_money (
    name text NOT NULL,
    currency text NOT NULL,
    amount numeric NOT NULL,
    PRIMARY KEY (name, currency)
);
-- ...and the state later events need, since they do not repeat it.
CREATE TABLE IF NOT EXISTS stats_calls (
    id uuid PRIMARY KEY,
    status text NOT NULL,
    published_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS stats_agreements (
    id uuid PRIMARY KEY,
    kind text NOT NULL,
    corporate_id uuid NOT NULL,
    startup_id uuid NOT NULL,
    in_force_at timestamptz,
    ended_at timestamptz
);
CREATE INDEX IF NOT EXISTS stats_agreements_kind_idx ON stats_agreements (kind, in_force_at);
-- One row per (corporate, startup) pair: when things first happened between them.
CREATE TABLE IF NOT EXISTS stats_pairs (
    corporate_id uuid NOT NULL,
    startup_id uuid NOT NULL,
    first_application_at timestamptz,
    first_in_force_at timestamptz,
    first_order_at timestamptz,
    last_order_at timestamptz,
    PRIMARY KEY (corporate_id, startup_id)
);
