-- $1 upstream, $2 window start (epoch ms, exclusive), $3 limit - 1.
-- blocking_ms: the limit-th newest grant inside the window (NULL while the window has room);
-- paused_until_ms: end of a 429 pause (NULL when never paused).
SELECT
  (SELECT extract(epoch FROM p.until) * 1000 FROM rate_budget_pauses p WHERE p.upstream = $1::text)::float8 AS paused_until_ms,
  (SELECT extract(epoch FROM g.at) * 1000 FROM rate_budget_grants g
    WHERE g.upstream = $1::text AND g.at > to_timestamp($2::float8 / 1000)
    ORDER BY g.at DESC OFFSET $3::int LIMIT 1)::float8 AS blocking_ms
