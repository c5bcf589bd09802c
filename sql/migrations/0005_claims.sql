-- Work queues of the actions. A lead is a candidate of a queue while its status (and data) say so; the view
-- queue_candidates defines them in one place, with the order in which each queue serves them.
--   fix_data      leads without gender, before anything was sent
--   to_sync       leads that need their two offers
--   to_check      ready leads with gender, before register (due once CHECK_INTERVAL passed; a lead without
--                 gender cannot be posted, so it is not asked about)
--   to_follow_up  inscriptions in progress or made (due once CHECK_INTERVAL passed), least recently checked first
--   to_register   ready leads with gender and two offers, those whose offers close soonest first
CREATE VIEW queue_candidates AS
  SELECT 'fix_data'::text AS queue, id AS subscription_id, NULL::timestamptz AS checked_at, '-infinity'::timestamptz AS sort_key
  FROM subscriptions WHERE gender IS NULL AND status IN ('to_sync', 'course_failed', 'to_register')
  UNION ALL
  SELECT 'to_sync', id, NULL, '-infinity' FROM subscriptions WHERE status IN ('to_sync', 'course_failed')
  UNION ALL
  SELECT 'to_check', id, last_check, '-infinity' FROM subscriptions WHERE status = 'to_register' AND gender IS NOT NULL
  UNION ALL
  SELECT 'to_follow_up', id, last_check, coalesce(last_check, '-infinity')
  FROM subscriptions WHERE status IN ('awaiting_register', 'registered')
  UNION ALL
  -- per lead (LATERAL, through the courses key), not an aggregate of every course ever chosen
  SELECT 'to_register', s.id, NULL, coalesce(o.ends_on::timestamptz, 'infinity')
  FROM subscriptions s
  CROSS JOIN LATERAL (
    SELECT min(c.registration_ends_on) AS ends_on, count(*) AS offers FROM courses c WHERE c.subscription_id = s.id
  ) o
  WHERE s.status = 'to_register' AND s.gender IS NOT NULL AND o.offers = 2;

-- A claim per lead and queue: a run takes a batch (FOR UPDATE SKIP LOCKED on these rows, so two replicas never
-- take the same lead of a queue, while different queues never block each other), for a while: a crashed
-- process's claims expire. run_id also keeps a run from taking again a lead it already handled.
CREATE TABLE lead_claims (
  subscription_id bigint NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  queue           text NOT NULL,
  run_id          text,
  claimed_until   timestamptz,
  PRIMARY KEY (queue, subscription_id)
);
