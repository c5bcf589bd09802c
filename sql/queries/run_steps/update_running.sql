UPDATE run_steps SET status = 'running', started_at = $3::timestamptz WHERE run_id = $1 AND node = $2
