-- Attempts whose outcome is unknown (crash, timeout, 5xx after sending): reconcile by CPF before posting again.
-- $1 subscription ids
SELECT id::float8 AS id, subscription_id::float8 AS subscription_id
FROM register_attempts WHERE finished_at IS NULL AND subscription_id = ANY($1::bigint[])
