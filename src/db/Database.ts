// The one SQL client of the program: a PostgreSQL server when DATABASE_URL is set, otherwise an embedded
// PGlite kept under DATA_DIR, reached through the same @effect/sql-pg client (see PgliteBridge).
import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Layer, Option, Redacted } from "effect"
import type { SqlClient } from "effect/sql"
import { mkdirSync } from "node:fs"
import { PgliteBridge } from "./PgliteBridge.ts"

export type Database = PgClient.PgClient | SqlClient.SqlClient

const snakeCase = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
const camelCase = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())

// Rows come back camelCased so that row schemas read like the domain.
const naming = { transformResultNames: camelCase, transformQueryNames: snakeCase } as const

/** A PostgreSQL server; `searchPath` isolates a schema (used by tests). */
export const layerServer = (url: Redacted.Redacted, options: { readonly searchPath?: string; readonly maxConnections?: number } = {}) =>
  PgClient.layer({
    url,
    ...naming,
    maxConnections: options.maxConnections ?? 10,
    applicationName: "kroton-leads",
    ...(options.searchPath === undefined ? {} : { startupParameters: { search_path: options.searchPath } })
  })

/** Embedded PostgreSQL (PGlite) in this process: `dataDir` on disk, or in memory when undefined. */
export const layerEmbedded = (dataDir: string | undefined) =>
  Layer.unwrap(Effect.gen(function*() {
    const { PGlite } = yield* Effect.promise(() => import("@electric-sql/pglite"))
    if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true })
    const db = yield* Effect.acquireRelease(
      Effect.promise(() => PGlite.create(dataDir === undefined ? undefined : dataDir)),
      (db) => Effect.promise(() => db.close()).pipe(Effect.ignore)
    )
    const bridge = new PgliteBridge(db)
    return PgClient.layer({ stream: bridge.stream, username: "postgres", database: "postgres", maxConnections: 4, ...naming })
  }))

/** From the environment: DATABASE_URL, or the embedded database under DATA_DIR (default ./.data/pglite). */
export const layer = Layer.unwrap(Effect.gen(function*() {
  const url = yield* Config.option(Config.Redacted("DATABASE_URL"))
  if (Option.isSome(url) && Redacted.value(url.value).length > 0) return layerServer(url.value)
  const dataDir = yield* Config.String("DATA_DIR").pipe(Config.withDefault("./.data/pglite"))
  return layerEmbedded(dataDir)
}))
