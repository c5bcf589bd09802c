-- Number of leads in each status that has any (the caller lists the others as zero).
SELECT status, count(*)::int AS count FROM subscriptions GROUP BY status
