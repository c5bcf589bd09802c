-- Finished steps: how many and how long in total per node and status, and the duration of the latest one.
SELECT node, status, count(*)::float8 AS n,
       coalesce(sum(extract(epoch FROM finished_at - started_at)), 0)::float8 AS seconds,
       (array_agg(extract(epoch FROM finished_at - started_at)::float8 ORDER BY finished_at DESC))[1] AS last_seconds
FROM run_steps
WHERE finished_at IS NOT NULL AND started_at IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2
