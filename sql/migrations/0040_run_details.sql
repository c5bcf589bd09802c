-- Bookkeeping of the DAG runner (src/dag): the lead limit a run was started with (a resume reuses it)
-- and the process that started it; each step's place in the run's order and a note (e.g. "copied from
-- run X" on a resume); when a lease was taken (a lease held for long is worth a look).
ALTER TABLE runs ADD COLUMN lead_limit integer CHECK (lead_limit > 0);
ALTER TABLE runs ADD COLUMN holder text;
ALTER TABLE run_steps ADD COLUMN position integer NOT NULL DEFAULT 0;
ALTER TABLE run_steps ADD COLUMN note text;
ALTER TABLE node_leases ADD COLUMN acquired_at timestamptz NOT NULL DEFAULT now();
