// Fresh, migrated databases for tests: the same suite runs on the real PostgreSQL server (a new schema
// per test) and on embedded PGlite (a new schema per test inside one in-memory instance per test file).
import type { PGlite } from "@electric-sql/pglite"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import * as Database from "../../src/db/Database.ts"
import { migrate } from "../../src/db/Migrations.ts"
import { PgliteBridge } from "../../src/db/PgliteBridge.ts"

export type DatabaseKind = "postgres" | "pglite"
export const databaseKinds: ReadonlyArray<DatabaseKind> = ["postgres", "pglite"]

/** The real server used by tests; CI starts it (.ci/run). A test that cannot reach it fails, never skips. */
export const testDatabaseUrl = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"

let counter = 0
const freshSchemaName = () => `t_${process.pid}_${Date.now().toString(36)}_${(counter++).toString(36)}`

const serverLayer = Layer.unwrap(Effect.gen(function*() {
  const schema = freshSchemaName()
  const url = Redacted.make(testDatabaseUrl)
  const admin = (statement: string) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
      Effect.provide(Database.layerServer(url, { maxConnections: 1 })),
      Effect.orDie
    )
  yield* Effect.acquireRelease(admin(`CREATE SCHEMA ${schema}`), () => admin(`DROP SCHEMA ${schema} CASCADE`))
  return Database.layerServer(url, { searchPath: schema })
}))

let pglite: Promise<PGlite> | undefined
const sharedPglite = () => (pglite ??= import("@electric-sql/pglite").then(({ PGlite }) => PGlite.create()))

const pgliteLayer = Layer.unwrap(Effect.gen(function*() {
  const db = yield* Effect.promise(sharedPglite)
  const schema = freshSchemaName()
  // PGlite is a single session shared by every pooled connection, so this SET applies to all of them
  yield* Effect.promise(() => db.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`))
  yield* Effect.addFinalizer(() => Effect.promise(() => db.exec(`SET search_path TO public; DROP SCHEMA ${schema} CASCADE`)).pipe(Effect.ignore))
  const bridge = new PgliteBridge(db)
  return PgClient.layer({
    stream: bridge.stream,
    username: "postgres",
    database: "postgres",
    maxConnections: 4,
    transformResultNames: (s) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
    transformQueryNames: (s) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
  })
}))

/** A fresh, migrated database of the given kind, dropped when the layer is released. */
export const freshDatabase = (kind: DatabaseKind): Layer.Layer<Database.Database> =>
  Layer.effectDiscard(migrate.pipe(Effect.orDie)).pipe(
    Layer.provideMerge(kind === "postgres" ? serverLayer : pgliteLayer),
    Layer.orDie
  )
