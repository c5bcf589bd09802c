-- $1 upstream: every grant still kept (epoch ms, oldest first), for tests and benchmarks.
SELECT (extract(epoch FROM at) * 1000)::float8 AS at_ms FROM rate_budget_grants WHERE upstream = $1::text ORDER BY at, id
