-- The run is done with these leads; claimed_by stays, so the same run does not take them again.
-- $1 ids, $2 run id
UPDATE subscriptions SET claimed_until = NULL WHERE id = ANY($1::bigint[]) AND claimed_by = $2
