import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { TestClock } from "effect/testing"
import { SqlClient } from "effect/sql"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { formatReport, ImportFileUnreadable, importLeads } from "../src/actions/importLeads.ts"
import { formatStatusCounts } from "../src/cli/import.ts"
import { calendarDate, columns } from "../src/domain/Lead.ts"
import { LeadStore } from "../src/services/LeadStore.ts"
import { csvLine, sampleRows, writeLeadsFile } from "../scripts/generate-fixtures.ts"
import { databaseKinds, freshDatabase } from "./support/database.ts"

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
const today = calendarDate("2026-12-03")
const tempDir = () => mkdtempSync(join(tmpdir(), "kroton-import-"))

/** The whole table, in a stable order, without the columns that legitimately differ between runs. */
const dump = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return yield* sql.unsafe<{ readonly sourceLine: number } & Record<string, unknown>>(
    `SELECT cpf, invalid_key, status, invalid_reasons, raw, user_name, email, birthday::text, gender, gender_source,
            area_code, phone_number, rg, cep, street, address_number, city, state, course_name, course_type, modality,
            unit_id, monthly_price::text, captation_period, source_line
     FROM subscriptions ORDER BY cpf NULLS LAST, invalid_key`
  )
})
const count = (where = "true") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<{ n: number }>(`SELECT count(*)::int AS n FROM subscriptions WHERE ${where}`)).pipe(
    Effect.map((rows) => rows[0]!.n)
  )

// The committed sample (scripts/generate-fixtures.ts): 50 rows on lines 2..51; lines 8..13 broken on purpose,
// line 41 repeats line 21's CPF with the other punctuation and a new phone.
const brokenLines = { cpf_check_digits: 8, cpf_repeated_digits: 9, birthday_format: 10, birthday_under_14: 11, state_invalid: 12, email_missing: 13 }

describe.each(databaseKinds)("importLeads (%s)", (kind) => {
  const layer = () => LeadStore.layer.pipe(Layer.provideMerge(freshDatabase(kind)))

  it.effect("imports the sample: invalid rows kept with reasons and reported by line, duplicate CPF once", () =>
    Effect.gen(function*() {
      const report = yield* importLeads(fixture("leads.csv"), { today })
      assert.strictEqual(report.format, "csv")
      assert.strictEqual(report.rows, 50)
      assert.strictEqual(report.invalid, 6)
      assert.strictEqual(report.valid, 44)
      assert.strictEqual(report.superseded, 1)
      assert.deepStrictEqual(report.supersededLines, [21])
      assert.strictEqual(report.inserted, 49)
      assert.deepStrictEqual(
        Object.fromEntries(Object.entries(report.invalidByReason).map(([code, r]) => [code, r.lines])),
        Object.fromEntries(Object.entries(brokenLines).map(([code, line]) => [code, [line]]))
      )
      assert.strictEqual(yield* count(), 49)
      assert.strictEqual(yield* count("status = 'invalid_data'"), 6)
      assert.strictEqual(yield* count("status = 'to_sync'"), 43)
      // the later line won
      const sql = yield* SqlClient.SqlClient
      const dup = sampleRows()[39]!
      const stored = yield* sql.unsafe<{ phoneNumber: string; sourceLine: number }>(
        "SELECT phone_number, source_line FROM subscriptions WHERE cpf = $1",
        [dup.cpf.replace(/\D/g, "")]
      )
      assert.deepStrictEqual(stored, [{ phoneNumber: "988776655", sourceLine: 41 }])
      const under14 = yield* sql.unsafe<{ invalidReasons: ReadonlyArray<{ code: string }>; raw: Record<string, string> }>(
        "SELECT invalid_reasons, raw FROM subscriptions WHERE source_line = 11"
      )
      assert.deepStrictEqual(under14[0]!.invalidReasons.map((r) => r.code), ["birthday_under_14"])
      assert.strictEqual(under14[0]!.raw["birthday"], "2024-05-10")
      // the text report names lines and reasons, and no CPF
      const text = formatReport(report)
      assert.include(text, "cpf_check_digits: 1 row(s), line 8")
      assert.notMatch(text, /\d{3}\.?\d{3}\.?\d{3}-?\d{2}/)
    }).pipe(Effect.provide(layer())))

  it.effect("importing the same file twice: second report all unchanged, table equal", () =>
    Effect.gen(function*() {
      const first = yield* importLeads(fixture("leads.csv"), { today })
      const before = yield* dump
      const second = yield* importLeads(fixture("leads.csv"), { today })
      assert.strictEqual(first.inserted, 49)
      assert.deepStrictEqual(
        [second.inserted, second.updated, second.unchanged, second.superseded],
        [0, 0, 49, 1]
      )
      assert.deepStrictEqual(yield* dump, before)
    }).pipe(Effect.provide(layer())))

  it.effect("a CPF re-imported after it was registered stays registered with its data", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const row = sampleRows()[0]!
      const path = join(dir, "day1.csv")
      writeFileSync(path, columns.join(",") + "\n" + csvLine(row))
      yield* importLeads(path, { today })
      const sql = yield* SqlClient.SqlClient
      const cpf = row.cpf.replace(/\D/g, "")
      yield* sql.unsafe("UPDATE subscriptions SET status = 'registered' WHERE cpf = $1", [cpf])
      const path2 = join(dir, "day2.csv")
      writeFileSync(path2, columns.join(",") + "\n" + csvLine({ ...row, cpf, city: "Outra Cidade", gender: "F" }))
      const report = yield* importLeads(path2, { today })
      assert.deepStrictEqual([report.inserted, report.updated, report.unchanged], [0, 0, 1])
      const stored = yield* sql.unsafe<{ status: string; city: string }>("SELECT status, city FROM subscriptions")
      assert.deepStrictEqual(stored, [{ status: "registered", city: row.city }])
      rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(layer())))

  it.effect("JSON Lines with the same keys gives the same table", () =>
    Effect.gen(function*() {
      const report = yield* importLeads(fixture("leads.jsonl"), { today })
      assert.strictEqual(report.format, "jsonl")
      assert.deepStrictEqual([report.rows, report.invalid, report.inserted, report.superseded], [50, 6, 49, 1])
      // JSON Lines has no header: row n is on line n
      assert.deepStrictEqual(report.invalidByReason["state_invalid"]?.lines, [brokenLines.state_invalid - 1])
      const fromJsonl = (yield* dump).map(({ sourceLine: _, ...rest }) => rest)
      const csv = yield* importLeads(fixture("leads.csv"), { today })
      assert.strictEqual(csv.unchanged, 49, "the CSV holds the same leads")
      assert.deepStrictEqual((yield* dump).map(({ sourceLine: _, ...rest }) => rest), fromJsonl)
    }).pipe(Effect.provide(layer())))
})

describe("importLeads edge cases (postgres)", () => {
  const layer = () => LeadStore.layer.pipe(Layer.provideMerge(freshDatabase("postgres")))

  it.effect("an unreadable file is a typed error naming the file, and nothing is stored", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const missing = yield* Effect.exit(importLeads(join(dir, "nope.csv"), { today }))
      assert.isTrue(Exit.isFailure(missing))
      const error = yield* Effect.flip(importLeads(join(dir, "nope.csv"), { today }))
      assert.instanceOf(error, ImportFileUnreadable)
      assert.include(error.message, "nope.csv")
      const directory = yield* Effect.flip(importLeads(dir, { today }))
      assert.strictEqual(directory._tag, "ImportFileUnreadable")
      writeFileSync(join(dir, "header.csv"), "name,cpf\nMaria,37845760870\n")
      const header = yield* Effect.flip(importLeads(join(dir, "header.csv"), { today }))
      assert.include(header.message, "email")
      writeFileSync(join(dir, "quote.csv"), columns.join(",") + "\n\"Maria,unclosed\n")
      const quote = yield* Effect.flip(importLeads(join(dir, "quote.csv"), { today }))
      assert.include(quote.message, "line 2")
      assert.strictEqual(yield* count(), 0)
      rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(layer())))

  it.effect("columns in any order, CRLF, quoted fields with commas and line breaks, ragged and bad JSON rows", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const [a, b] = sampleRows()
      const order = [...columns].reverse()
      const quoted = { ...b!, street: "Rua \"A\", bloco 2\nfundos" }
      const csv = order.join(",") + "\r\n" + csvLine(a!, order).replace("\n", "\r\n") + "\r\n" + csvLine(quoted, order) +
        "only,three,fields\n"
      writeFileSync(join(dir, "mixed.csv"), csv)
      const report = yield* importLeads(join(dir, "mixed.csv"), { today })
      assert.deepStrictEqual([report.rows, report.valid, report.invalid], [3, 2, 1])
      assert.deepStrictEqual(report.invalidByReason["row_columns"]?.lines, [6])
      const sql = yield* SqlClient.SqlClient
      const streets = yield* sql.unsafe<{ street: string }>("SELECT street FROM subscriptions WHERE street IS NOT NULL ORDER BY source_line")
      assert.deepStrictEqual(streets.map((s) => s.street), [a!.street, "Rua \"A\", bloco 2\nfundos"])

      writeFileSync(join(dir, "bad.jsonl"), JSON.stringify({ ...a, unit_id: 101 }) + "\n\nnot json\n[1]\n")
      const jsonl = yield* importLeads(join(dir, "bad.jsonl"), { today })
      assert.deepStrictEqual([jsonl.rows, jsonl.unchanged, jsonl.invalid], [3, 1, 2])
      assert.deepStrictEqual(jsonl.invalidByReason["row_json"]?.lines, [3, 4])
      rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(layer())))

  // on the in-memory store: moving the TestClock years ahead would expire the pool's real connections
  it.effect("today comes from the Clock when not given", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const row = { ...sampleRows()[0]!, birthday: "2012-06-01" }
      writeFileSync(join(dir, "young.csv"), columns.join(",") + "\n" + csvLine(row))
      // 2026-06-01 00:30 UTC is still May 31 in Brazil (UTC-3): 13 years old
      yield* TestClock.setTime(Date.parse("2026-06-01T00:30:00Z"))
      assert.strictEqual((yield* importLeads(join(dir, "young.csv"))).invalid, 1)
      yield* TestClock.setTime(Date.parse("2026-06-01T03:30:00Z"))
      const report = yield* importLeads(join(dir, "young.csv"))
      assert.deepStrictEqual([report.valid, report.revalidated], [1, 1], "14 on 2026-06-01 in Brazil")
      rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(LeadStore.layerTest)))

  it.effect("small batches over several writers: the later line of a CPF still wins across batches", () =>
    Effect.gen(function*() {
      const report = yield* importLeads(fixture("leads.csv"), { today, batchSize: 4, writers: 3 })
      // lines 21 and 41 share a CPF and land in different batches of the same writer: insert, then update
      assert.deepStrictEqual([report.rows, report.inserted, report.updated, report.superseded], [50, 49, 1, 0])
      const sql = yield* SqlClient.SqlClient
      const cpf = sampleRows()[39]!.cpf.replace(/\D/g, "")
      const stored = yield* sql.unsafe<{ phoneNumber: string; sourceLine: number }>(
        "SELECT phone_number, source_line FROM subscriptions WHERE cpf = $1",
        [cpf]
      )
      assert.deepStrictEqual(stored, [{ phoneNumber: "988776655", sourceLine: 41 }])
      assert.strictEqual(yield* count(), 49)
    }).pipe(Effect.provide(layer())))

  it.effect("reading in a worker thread gives the same report and table", () =>
    Effect.gen(function*() {
      const inWorker = yield* importLeads(fixture("leads.csv"), { today, worker: true })
      const table = yield* dump
      assert.deepStrictEqual([inWorker.rows, inWorker.inserted, inWorker.invalid, inWorker.superseded], [50, 49, 6, 1])
      assert.deepStrictEqual(inWorker.invalidByReason["birthday_under_14"], { count: 1, lines: [11] })
      const again = yield* importLeads(fixture("leads.csv"), { today, worker: false })
      assert.strictEqual(again.unchanged, 49)
      assert.deepStrictEqual(yield* dump, table)
      const dir = tempDir()
      writeFileSync(join(dir, "header.csv"), "name,cpf\n")
      const header = yield* Effect.flip(importLeads(join(dir, "header.csv"), { today, worker: true }))
      assert.strictEqual(header._tag, "ImportFileUnreadable")
      assert.include(header.message, "lacks the columns")
      rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(layer())))

  it.live("two imports of the same file at once neither fail nor duplicate", () =>
    Effect.gen(function*() {
      const reports = yield* Effect.all(
        [importLeads(fixture("leads.csv"), { today, batchSize: 7 }), importLeads(fixture("leads.csv"), { today, batchSize: 5 })],
        { concurrency: 2 }
      )
      assert.strictEqual(yield* count(), 49)
      assert.strictEqual(reports[0].inserted + reports[1].inserted, 49)
    }).pipe(Effect.provide(layer())))

  it.live("a 100,000-row file imports with bounded memory", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const path = join(dir, "big.csv")
      const generated = yield* Effect.promise(() => writeLeadsFile(path, { rows: 100_000, seed: 7, invalidEvery: 500 }))
      global.gc?.()
      const rssBefore = process.memoryUsage().rss
      let peak = rssBefore
      const timer = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss)
      }, 20)
      const report = yield* importLeads(path, { writers: 2 }).pipe(Effect.ensuring(Effect.sync(() => clearInterval(timer))))
      peak = Math.max(peak, process.memoryUsage().rss)
      const invalid = Object.values(generated.invalid).reduce((a, b) => a + b, 0)
      assert.deepStrictEqual([report.rows, report.invalid, report.inserted], [100_000, invalid, 100_000])
      assert.strictEqual(yield* count(), 100_000)
      assert.isBelow(peak - rssBefore, 150 * 1024 * 1024, `RSS grew by ${((peak - rssBefore) / 2 ** 20).toFixed(0)} MB`)
      rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(layer())), 120_000)
})

describe("import CLI text", () => {
  it("status lists every status, zeros included, with a total", () => {
    const text = formatStatusCounts({ to_sync: 3, invalid_data: 1 })
    const lines = text.split("\n")
    assert.strictEqual(lines.length, 12)
    assert.match(lines[0]!, /^invalid_data\s+1$/)
    assert.match(lines.find((l) => l.startsWith("registered"))!, /\s0$/)
    assert.match(lines.at(-1)!, /^total\s+4$/)
  })
})
