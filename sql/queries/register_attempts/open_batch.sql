-- register: the intent to post, committed before the POST. A lead that already has an open attempt gets none
-- (the unique index on open attempts), so it is not posted: it is reconciled by CPF first.
-- $1 subscription ids, $2 run id, $3 now
INSERT INTO register_attempts (subscription_id, run_id, started_at)
SELECT id, $2, $3::timestamptz FROM unnest($1::bigint[]) AS u(id)
ON CONFLICT (subscription_id) WHERE finished_at IS NULL DO NOTHING
RETURNING id::float8 AS id, subscription_id::float8 AS subscription_id
