-- $1 upstream, $2 paused until (epoch ms); a shorter pause never shortens a longer one.
INSERT INTO rate_budget_pauses (upstream, until) VALUES ($1::text, to_timestamp($2::float8 / 1000))
ON CONFLICT (upstream) DO UPDATE SET until = GREATEST(rate_budget_pauses.until, EXCLUDED.until)
