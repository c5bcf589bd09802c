-- syncCourses: the two offers chosen for each lead (a retried lead gets its offers replaced).
-- $1 subscription ids, $2 options, $3 offer ids, $4 sistemas, $5 course names, $6 course types, $7 modalities,
-- $8 monthly prices (text), $9 registration end dates (text, '' when unreadable: an all-null array cannot be
-- bound), $10 sources (json)
INSERT INTO courses (subscription_id, option, offer_id, sistema, course_name, course_type, modality, monthly_price,
                     registration_ends_on, source)
SELECT id, option, offer_id, sistema, course_name, course_type, modality, price::numeric, NULLIF(ends_on, '')::date, source
FROM unnest($1::bigint[], $2::smallint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::jsonb[])
     AS u(id, option, offer_id, sistema, course_name, course_type, modality, price, ends_on, source)
ON CONFLICT (subscription_id, option) DO UPDATE
SET offer_id = excluded.offer_id, sistema = excluded.sistema, course_name = excluded.course_name,
    course_type = excluded.course_type, modality = excluded.modality, monthly_price = excluded.monthly_price,
    registration_ends_on = excluded.registration_ends_on, source = excluded.source, created_at = now()
