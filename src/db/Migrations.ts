// Plain `.sql` migrations, numbered `NNNN_name.sql`, applied in order and recorded in `schema_migrations`.
import { Effect, Schema } from "effect"
import { Migrator, SqlClient } from "effect/sql"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { migrationsDirectory } from "./paths.ts"

export class MigrationsPending extends Schema.TaggedError<MigrationsPending>()("MigrationsPending", {
  pending: Schema.Array(Schema.String)
}) {
  override get message() {
    return `the database is missing migrations ${this.pending.join(", ")}: run \`npm start -- migrate\``
  }
}

export interface SqlMigration {
  readonly id: number
  readonly name: string
  readonly text: string
}

export const readMigrations = (directory = migrationsDirectory): ReadonlyArray<SqlMigration> =>
  readdirSync(directory)
    .flatMap((file) => {
      const match = /^(\d+)_([^.]+)\.sql$/.exec(file)
      return match === null ? [] : [{ id: Number(match[1]), name: match[2]!, text: readFileSync(join(directory, file), "utf8") }]
    })
    .sort((a, b) => a.id - b.id)

// @effect/sql-pg speaks only the extended protocol, which refuses several statements in one string:
// run the file as one PL/pgSQL EXECUTE (migrations must therefore be transactional, no CONCURRENTLY).
const asOneStatement = (text: string) => `DO $mig$ BEGIN EXECUTE $body$${text}$body$; END $mig$`

const loader = (migrations: ReadonlyArray<SqlMigration>): Migrator.Loader =>
  Effect.succeed(migrations.map((m) =>
    [
      m.id,
      m.name,
      Effect.succeed(Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql.unsafe(asOneStatement(m.text))
      }))
    ] as const
  ))

const table = "schema_migrations"

const migrationName = (m: { readonly id: number; readonly name: string }) => `${String(m.id).padStart(4, "0")}_${m.name}`

/** Applies every pending migration; returns those applied now. */
export const migrate = Effect.gen(function*() {
  const applied = yield* Migrator.make({})({ loader: loader(readMigrations()), table })
  return applied.map(([id, name]) => migrationName({ id, name }))
}).pipe(Effect.withSpan("migrate"))

/** Fails with MigrationsPending unless every migration file has been applied (checked at start-up). */
export const checkMigrated = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql.unsafe<{ readonly id: number }>(
    `SELECT migration_id AS id FROM ${table}`
  ).pipe(Effect.catch(() => Effect.succeed([] as ReadonlyArray<{ readonly id: number }>)))
  const done = new Set(rows.map((r) => Number(r.id)))
  const pending = readMigrations().filter((m) => !done.has(m.id)).map(migrationName)
  if (pending.length > 0) return yield* new MigrationsPending({ pending })
})
