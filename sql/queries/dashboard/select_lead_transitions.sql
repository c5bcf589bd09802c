-- $1 subscription id: its status history, oldest first (detail as text: the client would camelCase json keys).
SELECT from_status, to_status, reason, run_id, step, detail::text AS detail_json,
       (extract(epoch FROM at) * 1000)::float8 AS at_ms
FROM lead_transitions
WHERE subscription_id = $1::bigint
ORDER BY at, id
