-- depends: 0002_organisations
-- Read models of the directory (solutions) and of calls for projects and their
-- applications. Lists are arrays (no JSON codec needed on the read side);
-- `search` columns use the French + English, accent-folded functions of 0001.

CREATE TABLE IF NOT EXISTS solutions (
    id uuid PRIMARY KEY,
    startup_id uuid NOT NULL,
    title text NOT NULL,
    summary text NOT NULL,
    technologies text[] NOT NULL DEFAULT '{}',
    sectors text[] NOT NULL DEFAULT '{}',
    trl int NOT NULL,
    status text NOT NULL,
    version int NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    search tsvector GENERATED ALWAYS AS (passerelle_tsv(
        title || ' ' || summary || ' ' || passerelle_join(technologies) || ' '
        || passerelle_join(sectors)
    )) STORED
);
CREATE INDEX IF NOT EXISTS solutions_status_title_idx ON solutions (status, title, id);
CREATE INDEX IF NOT EXISTS solutions_startup_idx ON solutions (startup_id, title, id);
CREATE INDEX IF NOT EXISTS solutions_search_idx ON solutions USING gin (search);
CREATE INDEX IF NOT EXISTS solutions_technologies_idx ON solutions USING gin (technologies);
CREATE INDEX IF NOT EXISTS solutions_sectors_idx ON solutions USING gin (sectors);

CREATE TABLE IF NOT EXISTS calls (
    id uuid PRIMARY KEY,
    corporate_id uuid NOT NULL,
    title text NOT NULL,
    challenge text NOT NULL,
    sectors text[] NOT NULL DEFAULT '{}',
    technologies text[] NOT NULL DEFAULT '{}',
    criteria_names text[] NOT NULL,
    criteria_weights int[] NOT NULL,
    budget_amount numeric,
    budget_currency text,
    deadline timestamptz NOT NULL,
    status text NOT NULL,
    published_at timestamptz,
    awarded_application_ids uuid[] NOT NULL DEFAULT '{}',
    cancel_reason text,
    version int NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    search tsvector GENERATED ALWAYS AS (passerelle_tsv(
        title || ' ' || challenge || ' ' || passerelle_join(sectors) || ' '
        || passerelle_join(technologies) || ' ' || passerelle_join(criteria_names)
    )) STORED
);
CREATE INDEX IF NOT EXISTS calls_deadline_idx ON calls (deadline, id);
CREATE INDEX IF NOT EXISTS calls_status_deadline_idx ON calls (status, deadline);
CREATE INDEX IF NOT EXISTS calls_corporate_idx ON calls (corporate_id, deadline, id);
CREATE INDEX IF NOT EXISTS calls_search_idx ON calls USING gin (search);
CREATE INDEX IF NOT EXISTS calls_sectors_idx ON calls USING gin (sectors);

CREATE TABLE IF NOT EXISTS applications (
    id uuid PRIMARY KEY,
    call_id uuid NOT NULL,
    startup_id uuid NOT NULL,
    corporate_id uuid NOT NULL,
    solution_id uuid,
    pitch text NOT NULL,
    status text NOT NULL,
    -- Scores as parallel arrays: criterion, evaluator, value (one per pair).
    score_criteria text[] NOT NULL DEFAULT '{}',
    score_evaluators text[] NOT NULL DEFAULT '{}',
    score_values int[] NOT NULL DEFAULT '{}',
    decision_reason text,
    version int NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS applications_call_idx ON applications (call_id, created_at, id);
CREATE INDEX IF NOT EXISTS applications_startup_idx ON applications (startup_id, created_at, id);
CREATE INDEX IF NOT EXISTS applications_call_status_idx ON applications (call_id, status);
