import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { checkMigrated } from "../src/db/Migrations.ts"
import { databaseKinds, freshDatabase } from "./support/database.ts"

describe.each(databaseKinds)("database (%s)", (kind) => {
  it.effect("migrations apply once and leave an empty schema", () =>
    Effect.gen(function*() {
      yield* checkMigrated
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql.unsafe<{ n: number }>("SELECT count(*)::int AS n FROM subscriptions")
      assert.strictEqual(rows[0]!.n, 0)
      yield* sql.unsafe("INSERT INTO subscriptions (cpf, status) VALUES ('37845760870', 'to_sync')")
    }).pipe(Effect.provide(freshDatabase(kind))))

  it.effect("each test sees its own schema", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql.unsafe<{ n: number }>("SELECT count(*)::int AS n FROM subscriptions")
      assert.strictEqual(rows[0]!.n, 0)
    }).pipe(Effect.provide(freshDatabase(kind))))
})
