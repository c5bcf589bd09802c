-- fixData: the gender inferred from the census, for leads that still have none.
-- $1 ids, $2 genders, $3 probabilities, $4 now
UPDATE subscriptions s
SET gender = u.gender, gender_source = 'census', gender_probability = u.probability, updated_at = $4::timestamptz
FROM unnest($1::bigint[], $2::text[], $3::real[]) AS u(id, gender, probability)
WHERE s.id = u.id AND s.gender IS NULL
