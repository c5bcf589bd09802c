-- $1 upstream, $2 window start (epoch ms, exclusive), $3 now (epoch ms).
SELECT
  count(*)::int AS used,
  (SELECT extract(epoch FROM p.until) * 1000 FROM rate_budget_pauses p WHERE p.upstream = $1::text)::float8 AS paused_until_ms
FROM rate_budget_grants g
WHERE g.upstream = $1::text AND g.at > to_timestamp($2::float8 / 1000) AND g.at <= to_timestamp($3::float8 / 1000)
