-- Caches the IBGE answer for a first name ($1 name, $2 female share or NULL when unknown, $3 people counted).
-- Another process may have cached it meanwhile: the first answer stays.
INSERT INTO census_names (name, female_share, total) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING
