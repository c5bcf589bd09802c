-- A cached IBGE answer for one first name ($1); female_share is NULL when IBGE does not know the name.
SELECT name, female_share, total FROM census_names WHERE name = $1
