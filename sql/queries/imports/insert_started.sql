-- An import command starts: its file, as given.
INSERT INTO imports (file) VALUES ($1) RETURNING id::int AS id
