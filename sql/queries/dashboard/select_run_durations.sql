-- Finished runs: how many and how long in total, per selection and status (Prometheus summaries).
SELECT selection, status, count(*)::float8 AS n,
       coalesce(sum(extract(epoch FROM finished_at - started_at)), 0)::float8 AS seconds
FROM runs
WHERE finished_at IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2
