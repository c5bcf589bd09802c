-- The run is done with these leads of the queue; run_id stays, so the same run does not take them again.
-- $1 queue, $2 ids, $3 run id
UPDATE lead_claims SET claimed_until = NULL WHERE queue = $1 AND subscription_id = ANY($2::bigint[]) AND run_id = $3
