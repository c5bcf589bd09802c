-- Leads by current status (every lead, whatever its day of import).
SELECT status, count(*)::int AS n FROM subscriptions GROUP BY status ORDER BY status
