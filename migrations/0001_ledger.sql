-- The ledger: eventsourcing's stored events, extended with a gapless position,
-- the stream type and event type, the commit time and two SHA-256 chains.
-- The algorithm is documented in docs/ledger.md; `ledger_append` is its only writer.

CREATE TABLE IF NOT EXISTS ledger_events (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text NOT NULL,
    state bytea NOT NULL,
    -- The ledger position: 1, 2, 3... in commit order. Named like eventsourcing's
    -- column so the library's notification log reads it unchanged.
    notification_id bigint NOT NULL,
    stream_type text NOT NULL,
    event_type text NOT NULL,
    occurred_at timestamptz NOT NULL,
    hash bytea NOT NULL,
    previous_hash bytea,
    ledger_hash bytea NOT NULL,
    PRIMARY KEY (originator_id, originator_version)
);
CREATE UNIQUE INDEX IF NOT EXISTS ledger_events_position_idx ON ledger_events (notification_id);
CREATE INDEX IF NOT EXISTS ledger_events_stream_type_idx ON ledger_events (stream_type, notification_id);
CREATE INDEX IF NOT EXISTS ledger_events_occurred_idx ON ledger_events (originator_id, occurred_at);

-- Snapshots of long streams (eventsourcing's snapshot store): not part of the ledger.
CREATE TABLE IF NOT EXISTS ledger_snapshots (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text,
    state bytea,
    PRIMARY KEY (originator_id, originator_version)
);

-- Values that must be unique across streams (e.g. a SIREN), claimed in the
-- same transaction as the events that need them.
CREATE TABLE IF NOT EXISTS unique_claims (
    kind text NOT NULL,
    value text NOT NULL,
    stream_id uuid NOT NULL,
    PRIMARY KEY (kind, value)
);

-- A command retried with the same key returns its first result.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope text NOT NULL,
    key text NOT NULL,
    stream_id uuid NOT NULL,
    position bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

-- One AES-256-GCM key per person; deleting the key erases the person's data
-- from every event that holds it, without touching the event bytes.
CREATE TABLE IF NOT EXISTS person_keys (
    user_id text PRIMARY KEY,
    key bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    forgotten_at timestamptz
);

CREATE OR REPLACE FUNCTION ledger_micros(ts timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT (extract(epoch FROM ts) * 1000000)::bigint $$;

-- The bytes an entry's stream hash covers (docs/ledger.md, "Entry bytes").
CREATE OR REPLACE FUNCTION ledger_entry_bytes(
    stream_id uuid, version bigint, occurred_at timestamptz, topic text, state bytea
) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT uuid_send(stream_id) || int8send(version) || int8send(ledger_micros(occurred_at))
        || int4send(octet_length(convert_to(topic, 'UTF8'))) || convert_to(topic, 'UTF8')
        || state
$$;

-- Appends events atomically under the table lock, so positions follow commit
-- order with no gap (a rolled-back append consumes nothing).
CREATE OR REPLACE FUNCTION ledger_append(
    ids uuid[], versions bigint[], topics text[], states bytea[]
) RETURNS SETOF bigint LANGUAGE plpgsql AS $$
DECLARE
    zero bytea := decode(repeat('00', 32), 'hex');
    head_pos bigint;
    head_hash bytea;
    prev_hash bytea;
    prev_type text;
    stype text;
    h bytea;
    ts timestamptz;
    pos bigint;
BEGIN
    LOCK TABLE ledger_events IN EXCLUSIVE MODE;
    SELECT notification_id, ledger_hash INTO head_pos, head_hash
      FROM ledger_events ORDER BY notification_id DESC LIMIT 1;
    head_pos := coalesce(head_pos, 0);
    head_hash := coalesce(head_hash, zero);
    -- Truncated to microseconds so the stored value is exactly what was hashed.
    ts := date_trunc('microseconds', clock_timestamp());
    FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
        prev_hash := NULL;
        prev_type := NULL;
        SELECT e.hash, e.stream_type INTO prev_hash, prev_type FROM ledger_events e
         WHERE e.originator_id = ids[i] AND e.originator_version = versions[i] - 1;
        IF versions[i] = 1 THEN
            stype := split_part(split_part(topics[i], ':', 2), '.', 1);
        ELSIF prev_hash IS NULL THEN
            RAISE EXCEPTION 'stream % has no version %', ids[i], versions[i] - 1
                USING ERRCODE = 'unique_violation', CONSTRAINT = 'ledger_events_pkey';
        ELSE
            stype := prev_type;
        END IF;
        pos := head_pos + i;
        h := sha256(coalesce(prev_hash, zero)
                    || ledger_entry_bytes(ids[i], versions[i], ts, topics[i], states[i]));
        head_hash := sha256(head_hash || int8send(pos) || h);
        INSERT INTO ledger_events (originator_id, originator_version, topic, state,
            notification_id, stream_type, event_type, occurred_at, hash, previous_hash, ledger_hash)
        VALUES (ids[i], versions[i], topics[i], states[i], pos, stype,
            regexp_replace(topics[i], '^.*[.:]', ''), ts, h, prev_hash, head_hash);
        RETURN NEXT pos;
    END LOOP;
    PERFORM pg_notify('passerelle_ledger', pos::text);
END
$$;

-- Projections: one row per projection with the last position it applied.
CREATE TABLE IF NOT EXISTS projection_tracking (
    name text PRIMARY KEY,
    position bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Accent folding for search, portable to servers without the unaccent extension.
CREATE OR REPLACE FUNCTION passerelle_unaccent(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate(lower(t),
        'àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįıĵķĺļľŀłñńņňòóôõöøōŏőœŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżžæ',
        'aaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiiijklllllnnnnoooooooooorrrssssttttuuuuuuuuuuwyyyzzza')
$$;

-- French and English stemmed search vector over accent-folded text.
CREATE OR REPLACE FUNCTION passerelle_tsv(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('french', passerelle_unaccent(coalesce(t, '')))
        || to_tsvector('english', passerelle_unaccent(coalesce(t, '')))
$$;

CREATE OR REPLACE FUNCTION passerelle_tsq(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT plainto_tsquery('french', passerelle_unaccent(q))
        || plainto_tsquery('english', passerelle_unaccent(q))
$$;

-- eventsourcing's snapshot recorder inserts through this composite type.
DO $$ BEGIN
    CREATE TYPE stored_event_uuid AS (
        originator_id uuid, originator_version bigint, topic text, state bytea);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
