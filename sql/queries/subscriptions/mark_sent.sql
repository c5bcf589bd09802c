-- register: the POST of these leads was answered.
-- $1 ids, $2 now
UPDATE subscriptions SET sent_at = $2::timestamptz WHERE id = ANY($1::bigint[])
