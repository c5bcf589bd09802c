-- $1 upstream, $2 kind ("429", ...), $3 time (epoch ms, from the program's Clock).
INSERT INTO upstream_events (upstream, kind, at) VALUES ($1::text, $2::text, to_timestamp($3::float8 / 1000))
