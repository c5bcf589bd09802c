UPDATE runs SET status = $2, finished_at = $3::timestamptz, error = $4 WHERE id = $1
