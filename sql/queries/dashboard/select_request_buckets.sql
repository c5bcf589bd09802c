-- $1 since (epoch ms), $2 bucket width (ms): requests per upstream and bucket (bucket start in epoch ms).
SELECT upstream,
       (floor(extract(epoch FROM minute) * 1000 / $2::float8) * $2::float8)::float8 AS bucket_ms,
       sum(requests)::int AS n
FROM upstream_request_minutes
WHERE minute >= to_timestamp($1::float8 / 1000)
GROUP BY 1, 2
ORDER BY 1, 2
