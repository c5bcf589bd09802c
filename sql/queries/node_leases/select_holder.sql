SELECT run_id, holder FROM node_leases WHERE node = $1 AND expires_at >= $2::timestamptz
