-- New leads of one import batch, whole columns bound as arrays ("" / 0 stand for NULL); $25 = source file.
-- A key already stored (cpf or invalid_key, also one a concurrent import just inserted) is skipped here and
-- handled by update_imported. Every insert is recorded as a transition from NULL. Returns the lines inserted.
WITH input AS (
  SELECT * FROM unnest(
    $1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
    $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[],
    $18::text[], $19::text[], $20::text[], $21::text[], $22::int[], $23::text[], $24::int[]
  ) AS i(line, cpf, invalid_key, status, invalid_reasons, raw, user_name, email, birthday, gender, area_code,
         phone_number, rg, cep, street, address_number, city, state, course_name, course_type, modality, unit_id,
         monthly_price, captation_period)
),
inserted AS (
  INSERT INTO subscriptions (cpf, invalid_key, status, invalid_reasons, raw, user_name, email, birthday, gender,
    gender_source, area_code, phone_number, rg, cep, street, address_number, city, state, course_name, course_type,
    modality, unit_id, monthly_price, captation_period, source_file, source_line)
  SELECT NULLIF(cpf, ''), NULLIF(invalid_key, ''), status, NULLIF(invalid_reasons, '')::jsonb, NULLIF(raw, '')::jsonb,
    NULLIF(user_name, ''), NULLIF(email, ''), NULLIF(birthday, '')::date, NULLIF(gender, ''),
    CASE WHEN gender = '' THEN NULL ELSE 'import' END, NULLIF(area_code, ''), NULLIF(phone_number, ''),
    NULLIF(rg, ''), NULLIF(cep, ''), NULLIF(street, ''), NULLIF(address_number, ''), NULLIF(city, ''),
    NULLIF(state, ''), NULLIF(course_name, ''), NULLIF(course_type, ''), NULLIF(modality, ''), NULLIF(unit_id, 0),
    NULLIF(monthly_price, '')::numeric, NULLIF(captation_period, 0), $25::text, line
  FROM input
  ON CONFLICT DO NOTHING
  RETURNING id, status, source_line
),
transitions AS (
  INSERT INTO lead_transitions (subscription_id, from_status, to_status, reason, detail)
  SELECT id, NULL, status, 'import', jsonb_build_object('file', $25::text, 'line', source_line) FROM inserted
)
SELECT source_line AS line FROM inserted
