-- Work is claimed per lead: a run marks the leads of its batch (picked with FOR UPDATE SKIP LOCKED) for a while,
-- so that two replicas or two overlapping runs never take the same lead. The claim expires, so a crashed process
-- does not keep its leads; claimed_by also keeps a run from taking a lead it already handled.
ALTER TABLE subscriptions ADD COLUMN claimed_by text;
ALTER TABLE subscriptions ADD COLUMN claimed_until timestamptz;
