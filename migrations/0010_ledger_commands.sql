-- depends: 0009_ledger_command
-- Group commit (issue 9, writes). Every command took the ledger's EXCLUSIVE
-- lock and held it through its commit's WAL flush, so concurrent commands
-- queued behind one flush each; under load the holder also waited for a CPU,
-- and the queue, not the work, set the rate. `ledger_commands` records several
-- commands in one transaction: one lock, one flush for all of them.
--
-- Each command keeps its own outcome: it runs in subtransactions (BEGIN ...
-- EXCEPTION), so a command refused (key or claim taken, stream moved on, any
-- other error) leaves no row and no position, and the others go on. A refused
-- command is not answered here: the caller runs it again alone through
-- `ledger_command`, which refuses it (or, if what stood in its way is gone,
-- records it) exactly as it always did.
--
-- Two phases, so that no transaction waits for another while holding the
-- ledger lock: first every command's key and claims (a unique check may wait
-- for another transaction's; none is held here yet), then every command's
-- events. A command whose events fail gives its key and claims back.
--
-- Arguments are flat arrays: per key, per claim and per event, the 1-based
-- number of its command (`*_cmd`) and its values. Returns (command, position)
-- for every event recorded; a command absent from the result was refused.

CREATE OR REPLACE FUNCTION ledger_commands(
    n int,
    key_cmd bigint[], key_scopes text[], key_values text[], key_streams uuid[],
    claim_cmd bigint[], claim_kinds text[], claim_values text[], claim_streams uuid[],
    event_cmd bigint[], ids uuid[], versions bigint[], topics text[], states bytea[]
) RETURNS TABLE (command int, pos bigint) LANGUAGE plpgsql AS $$
DECLARE
    refused boolean[] := array_fill(false, ARRAY[n]);
    lo int;
    hi int;
    got bigint[];
BEGIN
    FOR c IN 1 .. n LOOP
        BEGIN
            INSERT INTO idempotency_keys (scope, key, stream_id, position)
            SELECT key_scopes[k], key_values[k], key_streams[k], 0
              FROM generate_subscripts(key_cmd, 1) AS k WHERE key_cmd[k] = c ORDER BY k;
            INSERT INTO unique_claims (kind, value, stream_id)
            SELECT claim_kinds[k], claim_values[k], claim_streams[k]
              FROM generate_subscripts(claim_cmd, 1) AS k WHERE claim_cmd[k] = c ORDER BY k;
        EXCEPTION WHEN OTHERS THEN
            refused[c] := true;
        END;
    END LOOP;
    FOR c IN 1 .. n LOOP
        CONTINUE WHEN refused[c];
        SELECT min(k), max(k) INTO lo, hi
          FROM generate_subscripts(event_cmd, 1) AS k WHERE event_cmd[k] = c;
        BEGIN
            -- Collected, not returned, until the block succeeds: rows returned
            -- inside a block that then fails would stay in the result.
            SELECT array_agg(p ORDER BY p) INTO got
              FROM ledger_append(ids[lo:hi], versions[lo:hi], topics[lo:hi], states[lo:hi]) AS p;
            UPDATE idempotency_keys SET position = got[cardinality(got)]
             WHERE (scope, key) IN (SELECT key_scopes[k], key_values[k]
                                      FROM generate_subscripts(key_cmd, 1) AS k
                                     WHERE key_cmd[k] = c);
        EXCEPTION WHEN OTHERS THEN
            got := NULL;
            DELETE FROM idempotency_keys WHERE (scope, key) IN (
                SELECT key_scopes[k], key_values[k]
                  FROM generate_subscripts(key_cmd, 1) AS k WHERE key_cmd[k] = c);
            DELETE FROM unique_claims WHERE (kind, value, stream_id) IN (
                SELECT claim_kinds[k], claim_values[k], claim_streams[k]
                  FROM generate_subscripts(claim_cmd, 1) AS k WHERE claim_cmd[k] = c);
        END;
        IF got IS NOT NULL THEN
            RETURN QUERY SELECT c, unnest(got);
        END IF;
    END LOOP;
END
$$;
