-- depends: 0001_ledger
-- One command, one prepared statement (issue 9, writes). A command's
-- idempotency key, its unique claims, its events and the key's position were
-- sent as a multi-statement query with the values quoted into its text by the
-- client: PostgreSQL parsed and planned four or more statements per command,
-- and the client escaped every byte of the events' states. This function runs
-- the same statements in the same order inside one call, so the server keeps
-- one plan per connection and the values travel as bound parameters. The
-- call is still one implicit transaction that commits before answering, and
-- `ledger_append` still takes the ledger's EXCLUSIVE lock at its first line:
-- the lock is held for the append, the key's position and the WAL flush only.
-- A refusal raises the unique violation of the constraint at fault (key,
-- claim or stream version), exactly as the separate statements did.

CREATE OR REPLACE FUNCTION ledger_command(
    key_scope text, key_value text, key_stream uuid,
    claim_kinds text[], claim_values text[], claim_streams uuid[],
    ids uuid[], versions bigint[], topics text[], states bytea[]
) RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
    -- The key first: a concurrent retry waits on it (then replays our result)
    -- instead of tripping over the claims we are about to make.
    IF key_scope IS NOT NULL THEN
        INSERT INTO idempotency_keys (scope, key, stream_id, position)
        VALUES (key_scope, key_value, key_stream, 0);
    END IF;
    FOR i IN 1 .. coalesce(array_length(claim_kinds, 1), 0) LOOP
        INSERT INTO unique_claims (kind, value, stream_id)
        VALUES (claim_kinds[i], claim_values[i], claim_streams[i]);
    END LOOP;
    RETURN QUERY SELECT p FROM ledger_append(ids, versions, topics, states) AS p;
    IF key_scope IS NOT NULL THEN
        -- Under the ledger lock ledger_append took, the head is our last position.
        UPDATE idempotency_keys SET position = (SELECT max(notification_id) FROM ledger_events)
         WHERE scope = key_scope AND key = key_value;
    END IF;
END
$$;
