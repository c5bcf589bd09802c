-- Closes the runs whose process is gone: a running step always holds its node's lease, so a run with a running
-- step and no live lease was killed (its lease lapsed after DAG_LEASE_TTL). The run and those steps become failed,
-- so the run list tells the truth; `run --resume` re-runs them. $1 now
WITH abandoned AS (
  SELECT r.id FROM runs r
  WHERE r.status = 'running'
    AND EXISTS (SELECT 1 FROM run_steps s WHERE s.run_id = r.id AND s.status = 'running')
    AND NOT EXISTS (SELECT 1 FROM node_leases l WHERE l.run_id = r.id AND l.expires_at >= $1::timestamptz)
), closed_steps AS (
  UPDATE run_steps s
  SET status = 'failed', finished_at = $1::timestamptz, error = 'abandoned: the process running it stopped (its lease lapsed)'
  FROM abandoned a WHERE s.run_id = a.id AND s.status = 'running'
)
UPDATE runs r SET status = 'failed', finished_at = $1::timestamptz, error = 'abandoned: the process running it stopped'
FROM abandoned a WHERE r.id = a.id
RETURNING r.id
