-- $1 first day (YYYY-MM-DD or NULL), $2 last day, inclusive (or NULL): leads by day of import and current status.
-- Days are calendar days in São Paulo, where the daily export is produced.
SELECT to_char(created_at AT TIME ZONE 'America/Sao_Paulo', 'YYYY-MM-DD') AS day, status, count(*)::int AS n
FROM subscriptions
WHERE ($1::date IS NULL OR (created_at AT TIME ZONE 'America/Sao_Paulo')::date >= $1::date)
  AND ($2::date IS NULL OR (created_at AT TIME ZONE 'America/Sao_Paulo')::date <= $2::date)
GROUP BY 1, 2
ORDER BY 1, 2
