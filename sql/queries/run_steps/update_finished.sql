UPDATE run_steps
SET status = $3, finished_at = $4::timestamptz, counts = $5::jsonb, error = $6, held_by = $7, note = $8
WHERE run_id = $1 AND node = $2
