import { fileURLToPath } from "node:url"

// sql/ sits at the package root, two levels above this file both in src/db and in dist/db.
export const sqlDirectory = fileURLToPath(new URL("../../sql/", import.meta.url))
export const migrationsDirectory = fileURLToPath(new URL("../../sql/migrations/", import.meta.url))
export const queriesDirectory = fileURLToPath(new URL("../../sql/queries/", import.meta.url))
