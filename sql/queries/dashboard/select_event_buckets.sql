-- $1 since (epoch ms), $2 bucket width (ms): upstream events (429s, errors) per upstream, kind and bucket.
SELECT upstream, kind,
       (floor(extract(epoch FROM at) * 1000 / $2::float8) * $2::float8)::float8 AS bucket_ms,
       count(*)::int AS n
FROM upstream_events
WHERE at >= to_timestamp($1::float8 / 1000)
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
