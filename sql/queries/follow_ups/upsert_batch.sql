-- What Kroton returned about each lead, kept whole in source; the inscription code when known.
-- $1 subscription ids, $2 inscription ids ('' for none), $3 sistemas ('' for none), $4 sources (json), $5 now
INSERT INTO follow_ups (subscription_id, kroton_subscription_id, kroton_subscription_dealer_id, source, created_at, updated_at)
SELECT id, NULLIF(inscription, ''), NULLIF(sistema, ''), source, $5::timestamptz, $5::timestamptz
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[]) AS u(id, inscription, sistema, source)
ON CONFLICT (subscription_id) DO UPDATE
SET kroton_subscription_id = coalesce(excluded.kroton_subscription_id, follow_ups.kroton_subscription_id),
    kroton_subscription_dealer_id = coalesce(excluded.kroton_subscription_dealer_id, follow_ups.kroton_subscription_dealer_id),
    source = follow_ups.source || excluded.source,
    updated_at = excluded.updated_at
