DELETE FROM node_leases WHERE node = $1 AND run_id = $2
