// The leads table (subscriptions) as the program uses it. This file holds the import's part: batches of
// export rows, the imports log and the count by status. Live layer over the SqlClient of src/db/Database.ts,
// SQL only through src/db/Queries.ts; layerTest keeps the same rules in memory.
import { Context, Effect, Layer, Ref, Schedule } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { run } from "../db/Queries.ts"
import type { ImportBatch } from "../domain/ImportBatch.ts"
import { editableStatuses, type Status, statuses } from "../domain/Status.ts"

/** What one batch did to the table. */
export interface BatchOutcome {
  /** new leads (valid or invalid_data) */
  readonly inserted: number
  /** stored leads whose data changed (see update_imported.sql for when) */
  readonly updated: number
  /** of the updated: invalid_data leads that became valid (-> to_sync) */
  readonly revalidated: number
  /** rows equal to what is stored, or whose lead is already past the editable statuses */
  readonly unchanged: number
}

export const emptyOutcome: BatchOutcome = { inserted: 0, updated: 0, revalidated: 0, unchanged: 0 }

export const addOutcomes = (a: BatchOutcome, b: BatchOutcome): BatchOutcome => ({
  inserted: a.inserted + b.inserted,
  updated: a.updated + b.updated,
  revalidated: a.revalidated + b.revalidated,
  unchanged: a.unchanged + b.unchanged
})

export type StatusCounts = Readonly<Record<Status, number>>

export class LeadStore extends Context.Service<LeadStore, {
  /**
   * Stores one batch of an import in one transaction: new keys inserted, known ones updated or left alone,
   * never a second lead for a CPF, never a lead moved backwards; inserts and status changes recorded in
   * lead_transitions (reason "import", detail {file, line}). Safe to run concurrently with another import.
   */
  readonly importBatch: (batch: ImportBatch, sourceFile: string) => Effect.Effect<BatchOutcome, SqlError.SqlError>
  /** Every status, zeros included. */
  readonly countByStatus: () => Effect.Effect<StatusCounts, SqlError.SqlError>
  /** Records the start of an import command; returns its id. */
  readonly startImport: (file: string) => Effect.Effect<number, SqlError.SqlError>
  /** Records the end of an import command with its report. */
  readonly finishImport: (id: number, report: unknown) => Effect.Effect<void, SqlError.SqlError>
}>()("kroton-leads/LeadStore") {
  static readonly layer = Layer.effect(this, Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const provide = Effect.provideService(SqlClient.SqlClient, sql)
    return LeadStore.of({
      importBatch: Effect.fn("LeadStore.importBatch")(function*(batch: ImportBatch, sourceFile: string) {
        if (batch.line.length === 0) return emptyOutcome
        return yield* sql.withTransaction(storeBatch(batch, sourceFile)).pipe(
          provide,
          // two imports touching the same keys can still meet in a deadlock: the batch is simply run again
          Effect.retry({ while: (e) => e.reason._tag === "DeadlockError" || e.reason._tag === "SerializationError", schedule: Schedule.spaced("50 millis"), times: 5 })
        )
      }),
      countByStatus: Effect.fn("LeadStore.countByStatus")(function*() {
        const rows = yield* run<{ status: Status; count: number }>("subscriptions/count_by_status").pipe(provide)
        return countsOf(rows)
      }),
      startImport: Effect.fn("LeadStore.startImport")(function*(file: string) {
        const rows = yield* run<{ id: number }>("imports/insert_started", [file]).pipe(provide)
        return rows[0]!.id
      }),
      finishImport: Effect.fn("LeadStore.finishImport")(function*(id: number, report: unknown) {
        yield* run("imports/update_finished", [id, JSON.stringify(report)]).pipe(provide)
      })
    })
  }))

  /** In memory, same rules as the SQL (for tests of code that only needs the store). */
  static readonly layerTest = Layer.effect(this, Effect.gen(function*() {
    const state = yield* Ref.make(new Map<string, MemoryLead>())
    const imports = yield* Ref.make(new Map<number, { file: string; report: unknown }>())
    return LeadStore.of({
      importBatch: (batch, sourceFile) => Ref.modify(state, (leads) => memoryImport(leads, batch, sourceFile)),
      countByStatus: () =>
        Ref.get(state).pipe(Effect.map((leads) => countsOf(groupCount([...leads.values()].map((l) => l.status))))),
      startImport: (file) =>
        Ref.modify(imports, (m) => {
          const id = m.size + 1
          return [id, new Map(m).set(id, { file, report: undefined })]
        }),
      finishImport: (id, report) =>
        Ref.update(imports, (m) => new Map(m).set(id, { file: m.get(id)?.file ?? "", report }))
    })
  }))
}

const countsOf = (rows: ReadonlyArray<{ readonly status: Status; readonly count: number }>): StatusCounts => {
  const counts = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<Status, number>
  for (const r of rows) counts[r.status] = Number(r.count)
  return counts
}

const groupCount = (items: ReadonlyArray<Status>) => {
  const m = new Map<Status, number>()
  for (const s of items) m.set(s, (m.get(s) ?? 0) + 1)
  return [...m].map(([status, count]) => ({ status, count }))
}

/** The bind parameters $1..$24 of insert_imported / update_imported, in their order. */
const columnParams = (b: ImportBatch): ReadonlyArray<unknown> => [
  b.line, b.cpf, b.invalidKey, b.status, b.invalidReasons, b.raw, b.userName, b.email, b.birthday, b.gender,
  b.areaCode, b.phoneNumber, b.rg, b.cep, b.street, b.addressNumber, b.city, b.state, b.courseName, b.courseType,
  b.modality, b.unitId, b.monthlyPrice, b.captationPeriod
]

/** The rows of `b` at `indexes`. */
const subset = (b: ImportBatch, indexes: ReadonlyArray<number>): ImportBatch =>
  Object.fromEntries(
    Object.entries(b).map(([k, column]) => [k, indexes.map((i) => (column as Array<unknown>)[i])])
  ) as unknown as ImportBatch

const editable = [...editableStatuses]

const storeBatch = (batch: ImportBatch, sourceFile: string) =>
  Effect.gen(function*() {
    const inserted = yield* run<{ line: number }>("subscriptions/insert_imported", [...columnParams(batch), sourceFile])
    if (inserted.length === batch.line.length) return { ...emptyOutcome, inserted: inserted.length }
    const insertedLines = new Set(inserted.map((r) => r.line))
    const rest = batch.line.flatMap((line, i) => (insertedLines.has(line) ? [] : [i]))
    const updated = yield* run<{ line: number; oldStatus: Status; newStatus: Status }>(
      "subscriptions/update_imported",
      [...columnParams(subset(batch, rest)), sourceFile, editable]
    )
    return {
      inserted: inserted.length,
      updated: updated.length,
      revalidated: updated.filter((u) => u.oldStatus !== u.newStatus).length,
      unchanged: rest.length - updated.length
    } satisfies BatchOutcome
  })

// ----- in-memory store (layerTest) -----

interface MemoryLead {
  readonly status: Status
  /** the row's data as bound (JSON of its columns), compared as a whole */
  readonly data: string
  readonly gender: string
  readonly sourceFile: string
  readonly sourceLine: number
}

const memoryImport = (
  leads: ReadonlyMap<string, MemoryLead>,
  batch: ImportBatch,
  sourceFile: string
): [BatchOutcome, Map<string, MemoryLead>] => {
  const next = new Map(leads)
  let outcome = emptyOutcome
  batch.line.forEach((line, i) => {
    const key = batch.cpf[i] !== "" ? `c:${batch.cpf[i]}` : `k:${batch.invalidKey[i]}`
    const status = batch.status[i] as Status
    const gender = batch.gender[i]!
    const { gender: _g, line: _l, ...rest } = Object.fromEntries(
      Object.entries(batch).map(([k, column]) => [k, (column as Array<unknown>)[i]])
    )
    const data = JSON.stringify(rest)
    const old = next.get(key)
    const store = (s: Status) => next.set(key, { status: s, data, gender: gender || (old?.gender ?? ""), sourceFile, sourceLine: line })
    if (old === undefined) {
      store(status)
      outcome = { ...outcome, inserted: outcome.inserted + 1 }
    } else if (status === "to_sync" && editableStatuses.has(old.status) && (old.status === "invalid_data" || old.data !== data || (gender !== "" && gender !== old.gender))) {
      const s = old.status === "invalid_data" ? "to_sync" : old.status
      store(s)
      outcome = { ...outcome, updated: outcome.updated + 1, revalidated: outcome.revalidated + (s !== old.status ? 1 : 0) }
    } else if (status === "invalid_data" && old.status === "invalid_data" && old.data !== data) {
      store("invalid_data")
      outcome = { ...outcome, updated: outcome.updated + 1 }
    } else {
      outcome = { ...outcome, unchanged: outcome.unchanged + 1 }
    }
  })
  return [outcome, next]
}

