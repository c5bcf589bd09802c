INSERT INTO runs (id, selection, dry_run, status, resumed_from, started_at, lead_limit, holder)
VALUES ($1, $2, false, 'running', $3, $4::timestamptz, $5, $6)
