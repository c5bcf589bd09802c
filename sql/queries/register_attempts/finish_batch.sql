-- register: what the POST answered (or 'unknown': the attempt then stays open until reconciled by CPF).
-- $1 attempt ids, $2 outcomes, $3 http statuses (text, '' for none: an all-null int[] cannot be bound), $4 responses (json), $5 now
UPDATE register_attempts a
SET outcome = u.outcome,
    http_status = NULLIF(u.http_status, '')::int,
    response = u.response,
    finished_at = CASE WHEN u.outcome = 'unknown' THEN NULL ELSE $5::timestamptz END
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[]) AS u(id, outcome, http_status, response)
WHERE a.id = u.id
