-- An import command ends: its report (jsonb).
UPDATE imports SET finished_at = now(), report = $2::jsonb WHERE id = $1
