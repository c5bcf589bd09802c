-- How much work each action has (progress totals). $1 last_check before (follow-up interval)
SELECT
  count(*) FILTER (WHERE gender IS NULL AND status IN ('to_sync', 'course_failed', 'to_register'))::int AS fix_data,
  count(*) FILTER (WHERE status IN ('to_sync', 'course_failed'))::int AS sync_courses,
  count(*) FILTER (WHERE status = 'to_register' AND gender IS NOT NULL AND (last_check IS NULL OR last_check < $1))::int AS check_before_register,
  count(*) FILTER (WHERE status IN ('awaiting_register', 'registered') AND (last_check IS NULL OR last_check < $1))::int AS follow_up,
  count(*) FILTER (WHERE status = 'to_register' AND gender IS NOT NULL)::int AS register
FROM subscriptions
