-- depends: 0001_ledger
-- Read models of the organisations projection, and who is party to each stream.

CREATE OR REPLACE FUNCTION passerelle_join(parts text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(array_to_string(parts, ' '), '') $$;

CREATE TABLE IF NOT EXISTS organisations (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('STARTUP', 'CORPORATE')),
    name text NOT NULL,
    siren text NOT NULL,
    description text NOT NULL,
    website text,
    city text,
    founded_year int,
    sectors text[] NOT NULL DEFAULT '{}',
    technologies text[] NOT NULL DEFAULT '{}',
    labels text[] NOT NULL DEFAULT '{}',
    sector text,
    community_member boolean NOT NULL DEFAULT false,
    version int NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    search tsvector GENERATED ALWAYS AS (passerelle_tsv(
        name || ' ' || description || ' ' || passerelle_join(sectors) || ' '
        || passerelle_join(technologies) || ' ' || coalesce(sector, '') || ' ' || coalesce(city, '')
    )) STORED
);
CREATE INDEX IF NOT EXISTS organisations_kind_name_idx ON organisations (kind, name, id);
CREATE INDEX IF NOT EXISTS organisations_search_idx ON organisations USING gin (search);
CREATE INDEX IF NOT EXISTS organisations_sectors_idx ON organisations USING gin (sectors);
CREATE INDEX IF NOT EXISTS organisations_technologies_idx ON organisations USING gin (technologies);
CREATE INDEX IF NOT EXISTS organisations_labels_idx ON organisations USING gin (labels);

CREATE TABLE IF NOT EXISTS organisation_members (
    organisation_id uuid NOT NULL,
    user_id text NOT NULL,
    role text NOT NULL,
    contact text NOT NULL,
    added_at timestamptz NOT NULL,
    PRIMARY KEY (organisation_id, user_id)
);
CREATE INDEX IF NOT EXISTS organisation_members_user_idx ON organisation_members (user_id);

-- Which organisations are party to each stream: drives history, ledger and
-- subscription visibility.
CREATE TABLE IF NOT EXISTS stream_parties (
    stream_id uuid NOT NULL,
    organisation_id uuid NOT NULL,
    PRIMARY KEY (stream_id, organisation_id)
);
CREATE INDEX IF NOT EXISTS stream_parties_org_idx ON stream_parties (organisation_id, stream_id);
