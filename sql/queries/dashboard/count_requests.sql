-- Requests ever granted per upstream (from the per-minute tally, which the limiter's trimming does not touch).
SELECT upstream, sum(requests)::float8 AS n FROM upstream_request_minutes GROUP BY upstream ORDER BY upstream
