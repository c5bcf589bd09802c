-- Runs recorded as running right now.
SELECT count(*)::int AS n FROM runs WHERE status = 'running'
