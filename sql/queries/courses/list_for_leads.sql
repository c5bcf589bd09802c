-- The chosen offers of these leads. $1 subscription ids
SELECT subscription_id::float8 AS subscription_id, option, offer_id, sistema,
       to_char(registration_ends_on, 'YYYY-MM-DD') AS registration_ends_on
FROM courses WHERE subscription_id = ANY($1::bigint[])
ORDER BY subscription_id, option
