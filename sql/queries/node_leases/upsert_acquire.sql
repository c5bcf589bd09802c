-- Takes the lease when it is free or expired (a crashed holder); returns nothing when another run holds it.
INSERT INTO node_leases (node, run_id, holder, expires_at, acquired_at)
VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz)
ON CONFLICT (node) DO UPDATE
SET run_id = excluded.run_id, holder = excluded.holder, expires_at = excluded.expires_at, acquired_at = excluded.acquired_at
WHERE node_leases.expires_at < excluded.acquired_at
RETURNING run_id
