-- depends: 0002_organisations
-- The audit slice: read-side snapshots for time travel, and erasure made atomic.

-- Rows a projection's pure `evolve` built at every 100th version of a stream, so
-- that time travel folds at most 99 events after the nearest snapshot. `fold`
-- names the evolve function (module.qualname): a stream read with another evolve
-- never sees these rows. Rebuildable from the ledger (projection "snapshots").
-- `row` is json, not jsonb: jsonb reorders object keys.
CREATE TABLE IF NOT EXISTS read_snapshots (
    stream_id uuid NOT NULL,
    fold text NOT NULL,
    version bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    row json NOT NULL,
    PRIMARY KEY (stream_id, fold, version)
);

-- Right to erasure: the PersonForgotten entry and the destruction of the
-- person's key commit in ONE transaction (the one of `ledger_append`), so there
-- is no moment, and no crash, where one exists without the other.
CREATE OR REPLACE FUNCTION audit_forget_person_key() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE person_keys SET key = NULL, forgotten_at = NEW.occurred_at
     WHERE user_id = convert_from(NEW.state, 'UTF8')::jsonb ->> 'user_id';
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS audit_forget_person_key ON ledger_events;
CREATE TRIGGER audit_forget_person_key AFTER INSERT ON ledger_events
    FOR EACH ROW WHEN (NEW.event_type = 'PersonForgotten')
    EXECUTE FUNCTION audit_forget_person_key();
