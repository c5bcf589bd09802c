-- $1 subscription id: what Kroton answered about the lead (source as text: see select_lead_transitions).
SELECT kroton_subscription_id, kroton_subscription_dealer_id, source::text AS source_json,
       (extract(epoch FROM created_at) * 1000)::float8 AS created_at_ms,
       (extract(epoch FROM updated_at) * 1000)::float8 AS updated_at_ms
FROM follow_ups
WHERE subscription_id = $1::bigint
