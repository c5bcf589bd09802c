import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { BatchBuilder, prepareRow } from "../src/domain/ImportBatch.ts"
import { calendarDate, type RawRow } from "../src/domain/Lead.ts"
import { LeadStore } from "../src/services/LeadStore.ts"
import { databaseKinds, freshDatabase } from "./support/database.ts"

const today = calendarDate("2026-12-03")

const base: RawRow = {
  name: "Maria Silva",
  cpf: "378.457.608-70",
  email: "maria.silva@example.com",
  birthday: "1990-05-17",
  gender: "",
  area_code: "11",
  phone_number: "97540-5666",
  rg: "20000000",
  cep: "12243-740",
  street: "Rua Pedro de Toledo",
  number: "48",
  city: "São José dos Campos",
  state: "SP",
  course_name: "ADMINISTRACAO",
  course_type: "GRADUACAO",
  modality: "EAD",
  unit_id: "101",
  monthly_price: "249.9",
  captation_period: "20271"
}

/** rows at consecutive lines (from 2), as one batch */
const batchOf = (...rows: ReadonlyArray<RawRow>) => {
  const builder = new BatchBuilder()
  rows.forEach((r, i) => builder.add(prepareRow(r, i + 2, today)))
  return builder.take().batch
}

const leads = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return yield* sql.unsafe<{ cpf: string | null; status: string; phoneNumber: string | null; gender: string | null; genderSource: string | null; sourceLine: number; invalidReasons: unknown }>(
    "SELECT cpf, status, phone_number, gender, gender_source, source_line, invalid_reasons FROM subscriptions ORDER BY id"
  )
})

const transitions = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return yield* sql.unsafe<{ fromStatus: string | null; toStatus: string; reason: string; detail: { file: string; line: number } }>(
    "SELECT from_status, to_status, reason, detail FROM lead_transitions ORDER BY id"
  )
})

const setStatus = (cpf: string, status: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe("UPDATE subscriptions SET status = $1 WHERE cpf = $2", [status, cpf]))

describe.each(databaseKinds)("LeadStore import (%s)", (kind) => {
  const layer = () => LeadStore.layer.pipe(Layer.provideMerge(freshDatabase(kind)))

  it.effect("inserts new leads as to_sync (gender_source import when given) and records the transition", () =>
    Effect.gen(function*() {
      const store = yield* LeadStore
      const outcome = yield* store.importBatch(batchOf(base, { ...base, cpf: "52998224725", gender: "f" }), "a.csv")
      assert.deepStrictEqual(outcome, { inserted: 2, updated: 0, revalidated: 0, unchanged: 0 })
      const rows = yield* leads
      assert.deepStrictEqual(rows.map((r) => [r.cpf, r.status, r.gender, r.genderSource, r.phoneNumber]).sort(), [
        ["37845760870", "to_sync", null, null, "975405666"],
        ["52998224725", "to_sync", "F", "import", "975405666"]
      ])
      const t = yield* transitions
      assert.strictEqual(t.length, 2)
      assert.deepStrictEqual(t.map((x) => [x.fromStatus, x.toStatus, x.reason, x.detail.file]), [
        [null, "to_sync", "import", "a.csv"],
        [null, "to_sync", "import", "a.csv"]
      ])
    }).pipe(Effect.provide(layer())))

  it.effect("the same batch again changes nothing; changed data of an editable lead is updated", () =>
    Effect.gen(function*() {
      const store = yield* LeadStore
      yield* store.importBatch(batchOf(base), "a.csv")
      assert.deepStrictEqual(yield* store.importBatch(batchOf({ ...base, cpf: "37845760870" }), "b.csv"), {
        inserted: 0, updated: 0, revalidated: 0, unchanged: 1
      })
      assert.deepStrictEqual(yield* store.importBatch(batchOf({ ...base, phone_number: "988776655" }), "c.csv"), {
        inserted: 0, updated: 1, revalidated: 0, unchanged: 0
      })
      const rows = yield* leads
      assert.strictEqual(rows.length, 1)
      assert.strictEqual(rows[0]!.phoneNumber, "988776655")
      assert.strictEqual((yield* transitions).length, 1, "a data update is not a status change")
    }).pipe(Effect.provide(layer())))

  it.effect("a lead past the editable statuses is never changed nor moved backwards", () =>
    Effect.gen(function*() {
      const store = yield* LeadStore
      yield* store.importBatch(batchOf(base), "a.csv")
      yield* setStatus("37845760870", "registered")
      const outcome = yield* store.importBatch(batchOf({ ...base, phone_number: "988776655", gender: "M" }), "b.csv")
      assert.deepStrictEqual(outcome, { inserted: 0, updated: 0, revalidated: 0, unchanged: 1 })
      const rows = yield* leads
      assert.deepStrictEqual([rows[0]!.status, rows[0]!.phoneNumber, rows[0]!.gender], ["registered", "975405666", null])
    }).pipe(Effect.provide(layer())))

  it.effect("an empty gender keeps a gender inferred by the census", () =>
    Effect.gen(function*() {
      const store = yield* LeadStore
      const sql = yield* SqlClient.SqlClient
      yield* store.importBatch(batchOf(base), "a.csv")
      yield* sql.unsafe("UPDATE subscriptions SET gender = 'F', gender_source = 'census', gender_probability = 0.98")
      const outcome = yield* store.importBatch(batchOf({ ...base, city: "Jacareí" }), "b.csv")
      assert.strictEqual(outcome.updated, 1)
      const rows = yield* leads
      assert.deepStrictEqual([rows[0]!.gender, rows[0]!.genderSource], ["F", "census"])
      // the same data again: unchanged, although the file has no gender
      assert.strictEqual((yield* store.importBatch(batchOf({ ...base, city: "Jacareí" }), "c.csv")).unchanged, 1)
    }).pipe(Effect.provide(layer())))

  it.effect("invalid rows: kept with reasons, keyed by CPF or by a hash; a later valid row revalidates", () =>
    Effect.gen(function*() {
      const store = yield* LeadStore
      const badEmail = { ...base, email: "not-an-email" }
      const badCpf = { ...base, cpf: "111.111.111-11" }
      assert.deepStrictEqual(yield* store.importBatch(batchOf(badEmail, badCpf), "a.csv"), {
        inserted: 2, updated: 0, revalidated: 0, unchanged: 0
      })
      assert.deepStrictEqual(yield* store.importBatch(batchOf(badEmail, badCpf), "a.csv"), {
        inserted: 0, updated: 0, revalidated: 0, unchanged: 2
      }, "re-import of invalid rows is idempotent")
      const before = yield* leads
      assert.deepStrictEqual(before.map((r) => [r.cpf, r.status]).sort(), [["37845760870", "invalid_data"], [null, "invalid_data"]].sort())
      const reasons = before.find((r) => r.cpf === "37845760870")!.invalidReasons
      assert.deepStrictEqual(reasons, [{ field: "email", code: "email_invalid", message: "e-mail is not a valid address" }])

      assert.deepStrictEqual(yield* store.importBatch(batchOf(base), "b.csv"), {
        inserted: 0, updated: 1, revalidated: 1, unchanged: 0
      })
      const after = yield* leads
      const fixed = after.find((r) => r.cpf === "37845760870")!
      assert.deepStrictEqual([fixed.status, fixed.invalidReasons], ["to_sync", null])
      const last = (yield* transitions).at(-1)!
      assert.deepStrictEqual([last.fromStatus, last.toStatus, last.detail], ["invalid_data", "to_sync", { file: "b.csv", line: 2 }])

      // and an invalid row never downgrades the valid lead
      assert.strictEqual((yield* store.importBatch(batchOf(badEmail), "c.csv")).unchanged, 1)
      assert.strictEqual((yield* leads).find((r) => r.cpf === "37845760870")!.status, "to_sync")
    }).pipe(Effect.provide(layer())))

  it.effect("within a batch the later line of a CPF wins, whatever its punctuation", () =>
    Effect.gen(function*() {
      const store = yield* LeadStore
      const builder = new BatchBuilder()
      builder.add(prepareRow(base, 2, today))
      builder.add(prepareRow({ ...base, cpf: "37845760870", phone_number: "988776655" }, 3, today))
      const { batch, superseded } = builder.take()
      assert.deepStrictEqual(superseded, [2])
      assert.strictEqual((yield* store.importBatch(batch, "a.csv")).inserted, 1)
      const rows = yield* leads
      assert.deepStrictEqual([rows.length, rows[0]!.phoneNumber, rows[0]!.sourceLine], [1, "988776655", 3])
    }).pipe(Effect.provide(layer())))

  it.effect("concurrent batches with the same keys neither fail nor duplicate", () =>
    Effect.gen(function*() {
      const store = yield* LeadStore
      const cpfs = ["37845760870", "52998224725", "11144477735", "12345678909", "98765432100"]
      const rows = cpfs.map((cpf) => ({ ...base, cpf }))
      const outcomes = yield* Effect.all(
        [1, 2, 3, 4].map((n) => store.importBatch(batchOf(...(n % 2 === 0 ? rows : [...rows].reverse())), `f${n}.csv`)),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(outcomes.reduce((s, o) => s + o.inserted, 0), cpfs.length)
      assert.strictEqual(outcomes.reduce((s, o) => s + o.inserted + o.unchanged + o.updated, 0), 4 * cpfs.length)
      assert.strictEqual((yield* leads).length, cpfs.length)
      assert.strictEqual((yield* transitions).length, cpfs.length)
    }).pipe(Effect.provide(layer())))

  it.effect("countByStatus lists every status, zeros included; imports are logged", () =>
    Effect.gen(function*() {
      const store = yield* LeadStore
      yield* store.importBatch(batchOf(base, { ...base, cpf: "52998224725", email: "" }), "a.csv")
      const counts = yield* store.countByStatus()
      assert.strictEqual(Object.keys(counts).length, 11)
      assert.strictEqual(counts.to_sync, 1)
      assert.strictEqual(counts.invalid_data, 1)
      assert.strictEqual(counts.registered, 0)
      const id = yield* store.startImport("a.csv")
      yield* store.finishImport(id, { rows: 2 })
      const sql = yield* SqlClient.SqlClient
      const logged = yield* sql.unsafe<{ file: string; report: unknown; finished: boolean }>(
        "SELECT file, report, finished_at IS NOT NULL AS finished FROM imports WHERE id = $1",
        [id]
      )
      assert.deepStrictEqual(logged[0], { file: "a.csv", report: { rows: 2 }, finished: true })
    }).pipe(Effect.provide(layer())))
})

describe("LeadStore.layerTest", () => {
  it.effect("follows the same rules in memory", () =>
    Effect.gen(function*() {
      const store = yield* LeadStore
      assert.strictEqual((yield* store.importBatch(batchOf(base, { ...base, cpf: "111.111.111-11" }), "a.csv")).inserted, 2)
      assert.strictEqual((yield* store.importBatch(batchOf(base), "a.csv")).unchanged, 1)
      assert.strictEqual((yield* store.importBatch(batchOf({ ...base, city: "Jacareí" }), "b.csv")).updated, 1)
      const counts = yield* store.countByStatus()
      assert.deepStrictEqual([counts.to_sync, counts.invalid_data, counts.enrolled], [1, 1, 0])
    }).pipe(Effect.provide(LeadStore.layerTest)))
})
