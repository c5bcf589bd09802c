-- $1 cpf (11 digits): the lead, without the raw import row.
SELECT id::text AS id, status, status_reason, user_name, email, area_code, phone_number, course_name, course_type, modality,
       unit_id, captation_period, gender, gender_source, invalid_reasons::text AS invalid_reasons_json,
       source_file, source_line,
       (extract(epoch FROM created_at) * 1000)::float8 AS created_at_ms,
       (extract(epoch FROM updated_at) * 1000)::float8 AS updated_at_ms,
       (extract(epoch FROM sent_at) * 1000)::float8 AS sent_at_ms,
       (extract(epoch FROM last_check) * 1000)::float8 AS last_check_ms
FROM subscriptions
WHERE cpf = $1::text
