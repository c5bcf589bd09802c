-- checker follow-up: inscriptions still in progress
-- $1 run id, $2 claim expiry, $3 now, $4 batch size, $5 ids to leave out (dry-run: already seen), $6 last_check before
UPDATE subscriptions s
SET claimed_by = $1, claimed_until = $2
FROM (
  SELECT c.id FROM subscriptions c
  WHERE c.status IN ('awaiting_register', 'registered') AND (c.last_check IS NULL OR c.last_check < $6)
    AND (c.claimed_until IS NULL OR c.claimed_until < $3)
    AND c.claimed_by IS DISTINCT FROM $1
    AND NOT (c.id = ANY($5::bigint[]))
  ORDER BY c.status, c.last_check NULLS FIRST, c.id
  LIMIT $4
  FOR UPDATE SKIP LOCKED
) picked
WHERE s.id = picked.id
RETURNING s.id::float8 AS id, s.cpf, s.status, s.user_name, s.email, to_char(s.birthday, 'YYYY-MM-DD') AS birthday, s.gender, s.area_code, s.phone_number, s.rg, s.cep, s.street, s.address_number, s.city, s.state, s.course_name, s.course_type, s.modality, s.unit_id, s.monthly_price::float8 AS monthly_price, s.captation_period, (extract(epoch FROM s.last_check) * 1000)::float8 AS last_check
