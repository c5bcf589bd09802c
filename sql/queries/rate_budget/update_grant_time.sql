-- $1 grant id, $2 the later time (epoch ms) at which the request could actually leave (a slow commit).
UPDATE rate_budget_grants SET at = GREATEST(at, to_timestamp($2::float8 / 1000)) WHERE id = $1::bigint
