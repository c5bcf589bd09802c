-- $1 upstream, $2 grant time (epoch ms), $3 trim: grants older than this (epoch ms) can no longer matter.
WITH trimmed AS (
  DELETE FROM rate_budget_grants WHERE upstream = $1::text AND at < to_timestamp($3::float8 / 1000)
)
INSERT INTO rate_budget_grants (upstream, at) VALUES ($1::text, to_timestamp($2::float8 / 1000)) RETURNING id
