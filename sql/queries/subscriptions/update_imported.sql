-- Rows of an import batch whose CPF is already stored (same columns as insert_imported; $25 = source file,
-- $26 = the editable statuses). A lead is never moved backwards: a valid row updates the data of an editable
-- lead that differs (invalid_data -> to_sync, any other status kept); an invalid row only refreshes the
-- reasons of an invalid_data lead; anything else is unchanged. An empty gender keeps a stored (census) gender.
-- Rows are locked first (in id order) so that the old status read here is the one replaced.
-- Returns the lines updated with their old and new status; status changes are recorded as transitions.
WITH input AS (
  SELECT * FROM unnest(
    $1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
    $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[],
    $18::text[], $19::text[], $20::text[], $21::text[], $22::int[], $23::text[], $24::int[]
  ) AS i(line, cpf, invalid_key, status, invalid_reasons, raw, user_name, email, birthday, gender, area_code,
         phone_number, rg, cep, street, address_number, city, state, course_name, course_type, modality, unit_id,
         monthly_price, captation_period)
),
current AS (
  SELECT s.id, s.status AS old_status, i.line, i.status AS new_status,
    ROW(s.user_name, s.email, s.birthday, s.area_code, s.phone_number, s.rg, s.cep::text, s.street, s.address_number,
        s.city, s.state::text, s.course_name, s.course_type, s.modality, s.unit_id, s.monthly_price, s.captation_period)
      IS DISTINCT FROM
    ROW(NULLIF(i.user_name, ''), NULLIF(i.email, ''), NULLIF(i.birthday, '')::date, NULLIF(i.area_code, ''),
        NULLIF(i.phone_number, ''), NULLIF(i.rg, ''), NULLIF(i.cep, ''), NULLIF(i.street, ''),
        NULLIF(i.address_number, ''), NULLIF(i.city, ''), NULLIF(i.state, ''), NULLIF(i.course_name, ''),
        NULLIF(i.course_type, ''), NULLIF(i.modality, ''), NULLIF(i.unit_id, 0), NULLIF(i.monthly_price, '')::numeric,
        NULLIF(i.captation_period, 0))
      OR (i.gender <> '' AND s.gender IS DISTINCT FROM i.gender) AS data_differs,
    ROW(s.invalid_reasons, s.raw) IS DISTINCT FROM ROW(NULLIF(i.invalid_reasons, '')::jsonb, NULLIF(i.raw, '')::jsonb)
      AS invalid_differs,
    i.invalid_reasons, i.raw, i.user_name, i.email, i.birthday, i.gender, i.area_code, i.phone_number, i.rg, i.cep,
    i.street, i.address_number, i.city, i.state, i.course_name, i.course_type, i.modality, i.unit_id,
    i.monthly_price, i.captation_period
  FROM input i
  JOIN subscriptions s ON s.cpf = NULLIF(i.cpf, '')
  ORDER BY s.id
  FOR UPDATE OF s
),
updated AS (
  UPDATE subscriptions s SET
    status = CASE WHEN s.status = 'invalid_data' THEN c.new_status ELSE s.status END,
    invalid_reasons = NULLIF(c.invalid_reasons, '')::jsonb,
    raw = NULLIF(c.raw, '')::jsonb,
    user_name = NULLIF(c.user_name, ''),
    email = NULLIF(c.email, ''),
    birthday = NULLIF(c.birthday, '')::date,
    gender = COALESCE(NULLIF(c.gender, ''), s.gender),
    gender_source = CASE WHEN c.gender <> '' THEN 'import' ELSE s.gender_source END,
    gender_probability = CASE WHEN c.gender <> '' THEN NULL ELSE s.gender_probability END,
    area_code = NULLIF(c.area_code, ''),
    phone_number = NULLIF(c.phone_number, ''),
    rg = NULLIF(c.rg, ''),
    cep = NULLIF(c.cep, ''),
    street = NULLIF(c.street, ''),
    address_number = NULLIF(c.address_number, ''),
    city = NULLIF(c.city, ''),
    state = NULLIF(c.state, ''),
    course_name = NULLIF(c.course_name, ''),
    course_type = NULLIF(c.course_type, ''),
    modality = NULLIF(c.modality, ''),
    unit_id = NULLIF(c.unit_id, 0),
    monthly_price = NULLIF(c.monthly_price, '')::numeric,
    captation_period = NULLIF(c.captation_period, 0),
    source_file = $25::text,
    source_line = c.line,
    updated_at = now()
  FROM current c
  WHERE s.id = c.id
    AND ((c.new_status = 'to_sync' AND c.old_status = ANY($26::text[]) AND (c.old_status = 'invalid_data' OR c.data_differs))
      OR (c.new_status = 'invalid_data' AND c.old_status = 'invalid_data' AND c.invalid_differs))
  RETURNING s.id, c.line, c.old_status, s.status
),
transitions AS (
  INSERT INTO lead_transitions (subscription_id, from_status, to_status, reason, detail)
  SELECT id, old_status, status, 'import', jsonb_build_object('file', $25::text, 'line', line)
  FROM updated WHERE old_status <> status
)
SELECT line, old_status, status AS new_status FROM updated
