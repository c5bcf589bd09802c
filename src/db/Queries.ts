// The program's SQL lives in sql/queries/<table>/<verb>_<what>.sql, one statement each with numbered
// parameters ($1, $2, ...). The files are read once, then executed by name.
import { Effect, Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import { queriesDirectory } from "./paths.ts"

const readTree = (root: string, dir = root): Array<readonly [string, string]> =>
  readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry)
    if (statSync(full).isDirectory()) return readTree(root, full)
    if (!entry.endsWith(".sql")) return []
    return [[relative(root, full).replace(/\\/g, "/").replace(/\.sql$/, ""), readFileSync(full, "utf8")] as const]
  })

let loaded: ReadonlyMap<string, string> | undefined
/** Every query file, keyed "table/verb_what" (read on first use, then kept). */
export const queries = (): ReadonlyMap<string, string> => (loaded ??= new Map(readTree(queriesDirectory)))

export const queryText = (name: string): string => {
  const text = queries().get(name)
  if (text === undefined) throw new Error(`no SQL file sql/queries/${name}.sql`)
  return text
}

/** Runs the named query with its parameters; rows as returned (camelCased). */
export const run = <A extends object = Record<string, unknown>>(name: string, params: ReadonlyArray<unknown> = []) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<A>(queryText(name), params)).pipe(
    Effect.withSpan(`sql ${name}`)
  )

/** Runs the named query and decodes every row with `schema`; a row that does not match is a defect of ours. */
export const runDecoded = <S extends Schema.Constraint>(schema: S, name: string, params: ReadonlyArray<unknown> = []) =>
  run(name, params).pipe(
    Effect.flatMap((rows) => Schema.decodeUnknownEffect(Schema.Array(schema))(rows)),
    Effect.catchTag("SchemaError", (e) => Effect.die(new Error(`sql/queries/${name}.sql returned an unexpected row: ${e.message}`)))
  ) as Effect.Effect<ReadonlyArray<S["Type"]>, SqlError.SqlError, SqlClient.SqlClient | S["DecodingServices"]>
