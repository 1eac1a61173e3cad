-- depends: 0010_ledger_commands
-- Person keys checked at commit (issue 9, writes). The vault reads a person's
-- key once and keeps it in memory (infra/sync_ports.py), instead of one
-- query per command; reading it every time cost about a tenth of the write
-- rate. A key in memory may have been forgotten since (forgetPerson on any
-- instance), and the person may even have a new one: data sealed with the old
-- key would be unreadable. So every command names the keys it sealed with
-- (user id and sha256 of the key), and is refused, with SQLSTATE PK001 and
-- nothing recorded, unless each is still that person's live key.
--
-- The check runs after the append, under the ledger's EXCLUSIVE lock that
-- `ledger_append` took and holds to the commit. A forget destroys the key in
-- the transaction of its PersonForgotten entry (migration 0005), so under the
-- same lock: it committed before the check (the check sees it and refuses) or
-- it comes after this commit (and erases this data too, as it should). A new
-- key replaces only a forgotten one. So no row of person_keys is locked, and
-- no lock is taken in an order other than the ledger's (a row lock taken
-- before the ledger lock would deadlock with the forget's trigger).
-- The caller reads the keys again and runs the command once more
-- (infra/key_checks.py).
--
-- New overloads: the ones of 0009 and 0010 stay for instances of the previous
-- release during a rolling upgrade (they read the key on every command).

CREATE OR REPLACE FUNCTION ledger_check_keys(users text[], digests bytea[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(users), 0) = 0 THEN
        RETURN;
    END IF;
    IF (SELECT count(*) FROM person_keys k
          JOIN unnest(users, digests) AS c(u, d) ON k.user_id = c.u AND sha256(k.key) = c.d)
       <> cardinality(users) THEN
        RAISE EXCEPTION 'a person''s key changed since it was read' USING ERRCODE = 'PK001';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION ledger_command(
    key_scope text, key_value text, key_stream uuid,
    claim_kinds text[], claim_values text[], claim_streams uuid[],
    ids uuid[], versions bigint[], topics text[], states bytea[],
    check_users text[], check_digests bytea[]
) RETURNS SETOF bigint LANGUAGE plpgsql AS $$
DECLARE
    got bigint[];
BEGIN
    got := ARRAY(SELECT p FROM ledger_command(key_scope, key_value, key_stream, claim_kinds,
                                              claim_values, claim_streams, ids, versions,
                                              topics, states) AS p);
    PERFORM ledger_check_keys(check_users, check_digests);  -- raising undoes it all
    RETURN QUERY SELECT unnest(got);
END
$$;

CREATE OR REPLACE FUNCTION ledger_commands(
    n int,
    key_cmd bigint[], key_scopes text[], key_values text[], key_streams uuid[],
    claim_cmd bigint[], claim_kinds text[], claim_values text[], claim_streams uuid[],
    event_cmd bigint[], ids uuid[], versions bigint[], topics text[], states bytea[],
    check_users text[], check_digests bytea[]
) RETURNS TABLE (command int, pos bigint) LANGUAGE plpgsql AS $$
DECLARE
    commands int[];
    positions bigint[];
BEGIN
    -- A changed key is rare (a forget on another instance since the key was
    -- read): the batch is then undone (its subtransaction, appends included;
    -- positions are taken under the lock, so none is lost) and every command is
    -- absent from the result; the caller runs each alone, where the stale one
    -- is refused.
    BEGIN
        SELECT array_agg(r.command ORDER BY r.pos), array_agg(r.pos ORDER BY r.pos)
          INTO commands, positions
          FROM ledger_commands(n, key_cmd, key_scopes, key_values, key_streams, claim_cmd,
                               claim_kinds, claim_values, claim_streams, event_cmd, ids,
                               versions, topics, states) AS r;
        PERFORM ledger_check_keys(check_users, check_digests);
    EXCEPTION WHEN SQLSTATE 'PK001' THEN
        RETURN;
    END;
    RETURN QUERY SELECT * FROM unnest(commands, positions);
END
$$;
