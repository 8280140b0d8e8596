extension PostgresSchema {
    /// The limit counters several replicas share (``SharedLimitCounters``), and the client
    /// addresses intrusion detection counts and blocks (``SharedAddressBlocks``).
    ///
    /// Every check-and-take is one call of a function here — one statement, so one transaction
    /// and one round trip — which locks the subjects' counter rows in one order (concurrent
    /// admissions never deadlock), decides, and takes everything or nothing. The bucket
    /// arithmetic is ``TokenBucket``'s (the embedded backend's, in the Gateway), written again
    /// in SQL; the limit tests run against both.
    ///
    /// - `limit_counters`: per subject (`team:<id>`, `key:<id>`) a requests and a tokens
    ///   bucket (level, capacity, seconds of the last refill; NULL while it has no limit).
    /// - `limit_leases`: one row per subject of every request running, with the replica that
    ///   runs it. A replica holds a session advisory lock on its number (`limit_replica_locks`)
    ///   for as long as it lives; a lease whose replica's lock is free (PostgreSQL frees it when
    ///   the replica's connection dies, `kill -9` included) is dead and is dropped by the next
    ///   admission that counts it.
    /// - `limit_months`: a team's tokens per UTC month, started from the usage ledger the first
    ///   time it is needed, then added to by every request that ends.
    /// - `address_records`: failed keys per client address within the window, and its block.
    ///
    /// The counter tables belong to their team (its transactions, and the functions, which set
    /// `atrium.team` to the team they are given); address records are service machinery.
    static var sharedLimits: String {
        """
        CREATE TABLE limit_counters (
            subject TEXT COLLATE "C" PRIMARY KEY,
            team_id TEXT COLLATE "C" NOT NULL,
            requests_level DOUBLE PRECISION,
            requests_capacity DOUBLE PRECISION,
            requests_at DOUBLE PRECISION,
            tokens_level DOUBLE PRECISION,
            tokens_capacity DOUBLE PRECISION,
            tokens_at DOUBLE PRECISION
        );
        CREATE INDEX limit_counters_by_team ON limit_counters (team_id);
        CREATE TABLE limit_leases (
            subject TEXT COLLATE "C" NOT NULL,
            lease TEXT COLLATE "C" NOT NULL,
            team_id TEXT COLLATE "C" NOT NULL,
            replica BIGINT NOT NULL,
            PRIMARY KEY (subject, lease)
        );
        CREATE INDEX limit_leases_by_team ON limit_leases (team_id);
        CREATE TABLE limit_months (
            team_id TEXT COLLATE "C" NOT NULL,
            month TEXT COLLATE "C" NOT NULL,
            tokens BIGINT NOT NULL,
            PRIMARY KEY (team_id, month)
        );
        CREATE SEQUENCE limit_replica_locks START WITH 5497893035093262337;
        CREATE TABLE address_records (
            address TEXT COLLATE "C" PRIMARY KEY,
            failures_ms BIGINT[] NOT NULL DEFAULT '{}',
            blocked_until_ms BIGINT
        );
        CREATE FUNCTION atrium_bucket_refill(
            level DOUBLE PRECISION, capacity DOUBLE PRECISION, refilled_at DOUBLE PRECISION, new_limit BIGINT,
            now DOUBLE PRECISION, OUT new_level DOUBLE PRECISION, OUT new_capacity DOUBLE PRECISION,
            OUT new_at DOUBLE PRECISION)
        LANGUAGE plpgsql IMMUTABLE AS $$
        BEGIN
            IF new_limit IS NULL THEN RETURN; END IF;
            new_capacity := new_limit;
            new_at := now;
            IF level IS NULL OR capacity IS NULL THEN
                new_level := new_capacity;
                RETURN;
            END IF;
            new_level := level;
            IF new_capacity > capacity THEN new_level := new_level + new_capacity - capacity; END IF;
            new_level := least(new_capacity, new_level + greatest(0, now - refilled_at) * new_capacity / 60);
        END $$;
        CREATE FUNCTION atrium_bucket_admits(level DOUBLE PRECISION, capacity DOUBLE PRECISION, amount DOUBLE PRECISION)
        RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
            SELECT level IS NULL OR level + 1e-9 >= least(amount, capacity)
        $$;
        CREATE FUNCTION atrium_bucket_wait(level DOUBLE PRECISION, capacity DOUBLE PRECISION, amount DOUBLE PRECISION)
        RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$
            SELECT CASE
                WHEN least(amount, capacity) - level <= 0 OR capacity <= 0 THEN 1
                ELSE greatest(1, ceil((least(amount, capacity) - level) / (capacity / 60) - 1e-9))::INTEGER
            END
        $$;
        CREATE FUNCTION atrium_limits_admit(
            p_team TEXT, p_subjects JSONB, p_lease TEXT, p_replica BIGINT, p_month TEXT, p_budget BIGINT,
            p_now DOUBLE PRECISION)
        RETURNS TABLE (reason TEXT, subject_index INTEGER, retry_after INTEGER)
        LANGUAGE plpgsql AS $$
        DECLARE
            s RECORD;
            c limit_counters%ROWTYPE;
            b RECORD;
            used BIGINT;
            running BIGINT;
            refused BOOLEAN := false;
        BEGIN
            PERFORM set_config('atrium.team', p_team, true);
            IF NOT EXISTS (SELECT 1 FROM limit_months m WHERE m.team_id = p_team AND m.month = p_month) THEN
                INSERT INTO limit_months (team_id, month, tokens)
                    SELECT p_team, p_month, COALESCE(SUM(u.prompt_tokens + u.completion_tokens), 0)
                    FROM usage_daily u WHERE u.team_id = p_team AND u.day LIKE p_month || '-%'
                    ON CONFLICT DO NOTHING;
            END IF;
            IF p_budget IS NOT NULL THEN
                SELECT m.tokens INTO used FROM limit_months m WHERE m.team_id = p_team AND m.month = p_month;
                IF used >= p_budget THEN
                    reason := 'month'; subject_index := -1; retry_after := 0;
                    refused := true;
                    RETURN NEXT;
                END IF;
            END IF;
            INSERT INTO limit_counters (subject, team_id)
                SELECT x.id, p_team FROM jsonb_to_recordset(p_subjects) AS x(id TEXT)
                ON CONFLICT (subject) DO NOTHING;
            -- Locked in one order, so concurrent admissions of the same team never deadlock.
            PERFORM 1 FROM limit_counters l
                WHERE l.subject IN (SELECT x.id FROM jsonb_to_recordset(p_subjects) AS x(id TEXT))
                ORDER BY l.subject FOR UPDATE;
            FOR s IN SELECT x.*, o.position::INTEGER - 1 AS position
                FROM jsonb_array_elements(p_subjects) WITH ORDINALITY AS o(element, position),
                LATERAL jsonb_to_record(o.element) AS x(id TEXT, rpm BIGINT, tpm BIGINT, concurrent BIGINT)
                ORDER BY o.position
            LOOP
                SELECT * INTO c FROM limit_counters l WHERE l.subject = s.id;
                SELECT * INTO b FROM atrium_bucket_refill(c.requests_level, c.requests_capacity, c.requests_at, s.rpm, p_now);
                c.requests_level := b.new_level; c.requests_capacity := b.new_capacity; c.requests_at := b.new_at;
                SELECT * INTO b FROM atrium_bucket_refill(c.tokens_level, c.tokens_capacity, c.tokens_at, s.tpm, p_now);
                c.tokens_level := b.new_level; c.tokens_capacity := b.new_capacity; c.tokens_at := b.new_at;
                UPDATE limit_counters l SET requests_level = c.requests_level, requests_capacity = c.requests_capacity,
                    requests_at = c.requests_at, tokens_level = c.tokens_level, tokens_capacity = c.tokens_capacity,
                    tokens_at = c.tokens_at
                    WHERE l.subject = s.id;
                -- A replica whose liveness lock nobody holds is dead: its leases go.
                DELETE FROM limit_leases l
                    WHERE l.subject = s.id AND l.replica <> p_replica AND pg_try_advisory_xact_lock_shared(l.replica);
                IF s.concurrent IS NOT NULL THEN
                    SELECT count(*) INTO running FROM limit_leases l WHERE l.subject = s.id;
                    IF running >= s.concurrent THEN
                        reason := 'concurrent'; subject_index := s.position; retry_after := 1;
                        refused := true;
                        RETURN NEXT;
                    END IF;
                END IF;
                IF NOT atrium_bucket_admits(c.requests_level, c.requests_capacity, 1) THEN
                    reason := 'requests'; subject_index := s.position;
                    retry_after := atrium_bucket_wait(c.requests_level, c.requests_capacity, 1);
                    refused := true;
                    RETURN NEXT;
                END IF;
            END LOOP;
            IF refused THEN RETURN; END IF;
            UPDATE limit_counters l SET requests_level = l.requests_level - 1
                WHERE l.subject IN (SELECT x.id FROM jsonb_to_recordset(p_subjects) AS x(id TEXT))
                AND l.requests_level IS NOT NULL;
            INSERT INTO limit_leases (subject, lease, team_id, replica)
                SELECT x.id, p_lease, p_team, p_replica FROM jsonb_to_recordset(p_subjects) AS x(id TEXT);
        END $$;
        CREATE FUNCTION atrium_limits_reserve(p_team TEXT, p_subjects JSONB, p_tokens DOUBLE PRECISION, p_now DOUBLE PRECISION)
        RETURNS TABLE (reason TEXT, subject_index INTEGER, retry_after INTEGER)
        LANGUAGE plpgsql AS $$
        DECLARE
            s RECORD;
            c limit_counters%ROWTYPE;
            b RECORD;
            refused BOOLEAN := false;
        BEGIN
            PERFORM set_config('atrium.team', p_team, true);
            INSERT INTO limit_counters (subject, team_id)
                SELECT x.id, p_team FROM jsonb_to_recordset(p_subjects) AS x(id TEXT)
                ON CONFLICT (subject) DO NOTHING;
            PERFORM 1 FROM limit_counters l
                WHERE l.subject IN (SELECT x.id FROM jsonb_to_recordset(p_subjects) AS x(id TEXT))
                ORDER BY l.subject FOR UPDATE;
            FOR s IN SELECT x.*, o.position::INTEGER - 1 AS position
                FROM jsonb_array_elements(p_subjects) WITH ORDINALITY AS o(element, position),
                LATERAL jsonb_to_record(o.element) AS x(id TEXT, rpm BIGINT, tpm BIGINT, concurrent BIGINT)
                ORDER BY o.position
            LOOP
                SELECT * INTO c FROM limit_counters l WHERE l.subject = s.id;
                SELECT * INTO b FROM atrium_bucket_refill(c.tokens_level, c.tokens_capacity, c.tokens_at, s.tpm, p_now);
                UPDATE limit_counters l SET tokens_level = b.new_level, tokens_capacity = b.new_capacity, tokens_at = b.new_at
                    WHERE l.subject = s.id;
                IF NOT atrium_bucket_admits(b.new_level, b.new_capacity, p_tokens) THEN
                    reason := 'tokens'; subject_index := s.position;
                    retry_after := atrium_bucket_wait(b.new_level, b.new_capacity, p_tokens);
                    refused := true;
                    RETURN NEXT;
                END IF;
            END LOOP;
            IF refused THEN RETURN; END IF;
            UPDATE limit_counters l SET tokens_level = l.tokens_level - p_tokens
                WHERE l.subject IN (SELECT x.id FROM jsonb_to_recordset(p_subjects) AS x(id TEXT))
                AND l.tokens_level IS NOT NULL;
        END $$;
        CREATE FUNCTION atrium_limits_release(
            p_team TEXT, p_subjects JSONB, p_lease TEXT, p_tokens_back DOUBLE PRECISION, p_request_back BOOLEAN,
            p_month TEXT, p_used BIGINT)
        RETURNS VOID LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM set_config('atrium.team', p_team, true);
            IF p_tokens_back <> 0 OR p_request_back THEN
                -- The admissions' lock order, so a release and an admission never deadlock.
                PERFORM 1 FROM limit_counters l
                    WHERE l.subject IN (SELECT x.id FROM jsonb_to_recordset(p_subjects) AS x(id TEXT))
                    ORDER BY l.subject FOR UPDATE;
            END IF;
            DELETE FROM limit_leases l
                WHERE l.lease = p_lease AND l.subject IN (SELECT x.id FROM jsonb_to_recordset(p_subjects) AS x(id TEXT));
            UPDATE limit_counters l SET
                tokens_level = CASE WHEN l.tokens_level IS NULL OR p_tokens_back = 0 THEN l.tokens_level
                    ELSE least(l.tokens_capacity, l.tokens_level + p_tokens_back) END,
                requests_level = CASE WHEN l.requests_level IS NULL OR NOT p_request_back THEN l.requests_level
                    ELSE least(l.requests_capacity, l.requests_level + 1) END
                WHERE l.subject IN (SELECT x.id FROM jsonb_to_recordset(p_subjects) AS x(id TEXT))
                AND (p_tokens_back <> 0 OR p_request_back);
            IF p_used > 0 THEN
                UPDATE limit_months m SET tokens = m.tokens + p_used WHERE m.team_id = p_team AND m.month = p_month;
            END IF;
        END $$;
        CREATE FUNCTION atrium_address_blocked(p_address TEXT, p_now_ms BIGINT)
        RETURNS BIGINT LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM set_config('atrium.access', 'administration', true);
            RETURN (SELECT a.blocked_until_ms FROM address_records a
                WHERE a.address = p_address AND a.blocked_until_ms > p_now_ms);
        END $$;
        CREATE FUNCTION atrium_address_failure(
            p_address TEXT, p_now_ms BIGINT, p_window_ms BIGINT, p_threshold BIGINT, p_block_ms BIGINT)
        RETURNS BOOLEAN LANGUAGE plpgsql AS $$
        DECLARE
            a address_records%ROWTYPE;
        BEGIN
            PERFORM set_config('atrium.access', 'administration', true);
            INSERT INTO address_records (address) VALUES (p_address) ON CONFLICT DO NOTHING;
            SELECT * INTO a FROM address_records r WHERE r.address = p_address FOR UPDATE;
            IF a.blocked_until_ms > p_now_ms THEN RETURN false; END IF;
            a.failures_ms := ARRAY(SELECT f FROM unnest(a.failures_ms) AS f WHERE f > p_now_ms - p_window_ms) || p_now_ms;
            IF cardinality(a.failures_ms) >= p_threshold THEN
                UPDATE address_records r SET failures_ms = '{}', blocked_until_ms = p_now_ms + p_block_ms
                    WHERE r.address = p_address;
                RETURN true;
            END IF;
            UPDATE address_records r SET failures_ms = a.failures_ms, blocked_until_ms = NULL WHERE r.address = p_address;
            -- Now and then, forget the addresses with no recent failure and no block.
            IF random() < 0.01 THEN
                DELETE FROM address_records r
                    WHERE COALESCE(r.blocked_until_ms, 0) <= p_now_ms
                    AND COALESCE(r.failures_ms[cardinality(r.failures_ms)], 0) <= p_now_ms - p_window_ms;
            END IF;
            RETURN false;
        END $$;
        \(secure("limit_counters", teamColumn: "team_id"))
        \(secure("limit_leases", teamColumn: "team_id"))
        \(secure("limit_months", teamColumn: "team_id"))
        \(secure("address_records", visible: administration))
        """
    }
}
