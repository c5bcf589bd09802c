-- $1 subscription id: the two offers syncCourses chose.
SELECT option, offer_id, sistema, course_name, modality, monthly_price::float8 AS monthly_price,
       to_char(registration_ends_on, 'YYYY-MM-DD') AS registration_ends_on
FROM courses
WHERE subscription_id = $1::bigint
ORDER BY option
