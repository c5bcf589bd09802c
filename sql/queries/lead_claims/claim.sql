-- Claims a batch of the queue's candidates in the queue's order, skipping leads another run holds.
-- $1 queue, $2 run id, $3 claim expiry, $4 now, $5 batch size, $6 ids to leave out (dry-run: already seen),
-- $7 checked before (the check queues leave out leads asked about since then)
WITH picked AS (
  SELECT k.subscription_id FROM lead_claims k
  JOIN queue_candidates v ON v.queue = k.queue AND v.subscription_id = k.subscription_id
  WHERE k.queue = $1
    AND (k.claimed_until IS NULL OR k.claimed_until < $4)
    AND k.run_id IS DISTINCT FROM $2
    AND NOT (k.subscription_id = ANY($6::bigint[]))
    AND (v.checked_at IS NULL OR v.checked_at < $7)
  ORDER BY v.sort_key, k.subscription_id
  LIMIT $5
  FOR UPDATE OF k SKIP LOCKED
), claimed AS (
  UPDATE lead_claims k SET run_id = $2, claimed_until = $3
  FROM picked WHERE k.queue = $1 AND k.subscription_id = picked.subscription_id
  RETURNING k.subscription_id
)
SELECT s.id::float8 AS id, s.cpf, s.status, s.user_name, s.email, to_char(s.birthday, 'YYYY-MM-DD') AS birthday,
       s.gender, s.area_code, s.phone_number, s.rg, s.cep, s.street, s.address_number, s.city, s.state,
       s.course_name, s.course_type, s.modality, s.unit_id, s.monthly_price::float8 AS monthly_price,
       s.captation_period, (extract(epoch FROM s.last_check) * 1000)::float8 AS last_check
FROM subscriptions s JOIN claimed ON claimed.subscription_id = s.id
ORDER BY s.id
