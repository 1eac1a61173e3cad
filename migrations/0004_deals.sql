-- depends: 0002_organisations
-- Read models of the deals slice: agreements, purchase orders, scale-up loans.
-- Money is numeric (never float) with its currency beside it; JSON documents
-- (terms, signatures, order lines) keep amounts as decimal strings.

CREATE TABLE IF NOT EXISTS agreements (
    id uuid PRIMARY KEY,
    kind text NOT NULL,
    title text NOT NULL,
    corporate_id uuid NOT NULL,
    startup_id uuid NOT NULL,
    application_id uuid,
    revision int NOT NULL,
    terms jsonb NOT NULL,
    terms_hash text NOT NULL,
    signatures jsonb NOT NULL DEFAULT '[]',
    status text NOT NULL,
    in_force_at timestamptz,
    termination_reason text,
    rejection_reason text,
    version int NOT NULL,
    created_position bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS agreements_created_idx ON agreements (created_position DESC);
CREATE INDEX IF NOT EXISTS agreements_corporate_idx ON agreements (corporate_id, created_position DESC);
CREATE INDEX IF NOT EXISTS agreements_startup_idx ON agreements (startup_id, created_position DESC);

CREATE TABLE IF NOT EXISTS purchase_orders (
    id uuid PRIMARY KEY,
    reference text NOT NULL,
    corporate_id uuid NOT NULL,
    startup_id uuid NOT NULL,
    agreement_id uuid,
    lines jsonb NOT NULL,
    currency text NOT NULL,
    total numeric(20, 2) NOT NULL,
    invoiced numeric(20, 2) NOT NULL,
    paid numeric(20, 2) NOT NULL,
    status text NOT NULL,
    reason text,
    version int NOT NULL,
    created_position bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS purchase_orders_created_idx ON purchase_orders (created_position DESC);
CREATE INDEX IF NOT EXISTS purchase_orders_corporate_idx ON purchase_orders (corporate_id, created_position DESC);
CREATE INDEX IF NOT EXISTS purchase_orders_startup_idx ON purchase_orders (startup_id, created_position DESC);

CREATE TABLE IF NOT EXISTS loans (
    id uuid PRIMARY KEY,
    startup_id uuid NOT NULL,
    agreement_id uuid NOT NULL,
    currency text NOT NULL,
    requested numeric(20, 2) NOT NULL,
    approved numeric(20, 2),
    annual_rate_percent numeric,
    term_months int NOT NULL,
    deferral_months int,
    disbursed numeric(20, 2) NOT NULL,
    repaid numeric(20, 2) NOT NULL,
    status text NOT NULL,
    purpose text NOT NULL,
    decision_reason text,
    version int NOT NULL,
    created_position bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS loans_created_idx ON loans (created_position DESC);
CREATE INDEX IF NOT EXISTS loans_startup_idx ON loans (startup_id, created_position DESC);
