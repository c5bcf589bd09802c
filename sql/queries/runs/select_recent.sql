SELECT id, selection, dry_run, status, resumed_from, lead_limit, holder, error,
       (extract(epoch FROM started_at) * 1000)::float8 AS started_at_ms,
       (extract(epoch FROM finished_at) * 1000)::float8 AS finished_at_ms
FROM runs
ORDER BY started_at DESC, id DESC
LIMIT $1
