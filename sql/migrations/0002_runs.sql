-- DAG runs and their steps (Dagster-style run records).
CREATE TABLE runs (
  id           text PRIMARY KEY,
  selection    text NOT NULL,
  dry_run      boolean NOT NULL DEFAULT false,
  status       text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
  resumed_from text REFERENCES runs (id),
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  error        text
);
CREATE INDEX runs_started_idx ON runs (started_at DESC);

CREATE TABLE run_steps (
  run_id      text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  node        text NOT NULL,
  status      text NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'upstream_failed')),
  started_at  timestamptz,
  finished_at timestamptz,
  counts      jsonb NOT NULL DEFAULT '{}'::jsonb,
  error       text,
  -- for a skipped step: the run that held the node
  held_by     text,
  PRIMARY KEY (run_id, node)
);

-- A node runs in one run at a time across all replicas: a lease, renewed while the step runs,
-- so that a crashed process does not hold the node forever.
CREATE TABLE node_leases (
  node        text PRIMARY KEY,
  run_id      text NOT NULL,
  holder      text NOT NULL,
  expires_at  timestamptz NOT NULL
);
