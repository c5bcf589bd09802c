-- $1 since (epoch ms): events per upstream and kind.
SELECT upstream, kind, count(*)::int AS n FROM upstream_events WHERE at >= to_timestamp($1::float8 / 1000) GROUP BY upstream, kind ORDER BY upstream, kind
