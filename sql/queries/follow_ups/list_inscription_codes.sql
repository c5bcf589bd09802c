-- The inscription code and sistema of these leads, for the follow-up by code. $1 subscription ids
SELECT subscription_id::float8 AS subscription_id, kroton_subscription_id AS inscription_id,
       kroton_subscription_dealer_id AS sistema
FROM follow_ups WHERE subscription_id = ANY($1::bigint[])
