INSERT INTO run_steps (run_id, node, status, position)
SELECT $1, step.node, 'pending', step.position::int - 1
FROM unnest($2::text[]) WITH ORDINALITY AS step (node, position)
