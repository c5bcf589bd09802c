-- counts as text: the client would camelCase the keys of a json value
SELECT run_id, node, status, position, counts::text AS counts_json, error, held_by, note,
       (extract(epoch FROM started_at) * 1000)::float8 AS started_at_ms,
       (extract(epoch FROM finished_at) * 1000)::float8 AS finished_at_ms
FROM run_steps
WHERE run_id = ANY ($1::text[])
ORDER BY run_id, position, node
