UPDATE node_leases SET expires_at = $3::timestamptz WHERE node = $1 AND run_id = $2 RETURNING node
