-- Upstream events (429s, errors) ever recorded, per upstream and kind.
SELECT upstream, kind, count(*)::float8 AS n FROM upstream_events GROUP BY upstream, kind ORDER BY upstream, kind
