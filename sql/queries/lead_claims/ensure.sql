-- Gives every candidate of the queue its claim row (unclaimed), so that the claim can lock rows of this queue only.
-- $1 queue
INSERT INTO lead_claims (subscription_id, queue)
SELECT v.subscription_id, v.queue FROM queue_candidates v
WHERE v.queue = $1
  -- k.queue = $1 (not v.queue): both key columns then bound the index probe, whatever the statistics say
  AND NOT EXISTS (SELECT 1 FROM lead_claims k WHERE k.queue = $1 AND k.subscription_id = v.subscription_id)
ON CONFLICT DO NOTHING
