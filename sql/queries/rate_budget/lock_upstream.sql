-- Serialises every acquire of one upstream (all processes) until the transaction ends.
SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext('rate_budget:' || $1::text))) AS l
