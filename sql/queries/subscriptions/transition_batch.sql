-- Moves leads to their next status and records each change with its reason. A lead whose status changed since it
-- was claimed is left alone (the status in $2 must still hold). $7 true marks the lead as checked at Kroton now.
-- $1 ids, $2 from statuses, $3 to statuses, $4 reasons, $5 run id, $6 step, $7 checked flags, $8 now
WITH moved AS (
  UPDATE subscriptions s
  SET status = u.to_status,
      status_reason = u.reason,
      -- a lead that just became awaiting_register was never asked about by its code: due for the follow-up at once
      -- (the checker's last_check before the POST would otherwise hold it back for CHECK_INTERVAL)
      last_check = CASE WHEN u.checked THEN $8::timestamptz
                        WHEN u.to_status = 'awaiting_register' AND u.from_status <> 'awaiting_register' THEN NULL
                        ELSE s.last_check END,
      updated_at = $8::timestamptz
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $7::boolean[]) AS u(id, from_status, to_status, reason, checked)
  WHERE s.id = u.id AND s.status = u.from_status
  RETURNING s.id, u.from_status, u.to_status, u.reason
)
INSERT INTO lead_transitions (subscription_id, from_status, to_status, reason, run_id, step, at)
SELECT id, from_status, to_status, reason, $5, $6, $8::timestamptz FROM moved WHERE from_status <> to_status
