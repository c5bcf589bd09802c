// The daily import: reads a warehouse export (CSV or JSON Lines) as a stream, validates each row and stores
// it through LeadStore in batches (one transaction each). Reading and validating (in this thread, or in a
// worker thread) overlap the database writes; rows are spread over `writers` partitions by key, each stored
// in file order by its own fiber, so the later line of a CPF wins. Memory stays bounded: the reader runs
// ahead of the writers by at most one queued batch per partition.
import { Clock, Config, Effect, Exit, Fiber, Queue, Schema } from "effect"
import { createReadStream } from "node:fs"
import { open } from "node:fs/promises"
import { extname } from "node:path"
import { fileURLToPath } from "node:url"
import { getHeapStatistics, setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { Worker } from "node:worker_threads"
import type { ImportBatch } from "../domain/ImportBatch.ts"
import { type ImportFormat, ImportReader, ImportReadError, type ReaderOptions, type Tally } from "../domain/ImportReader.ts"
import { brazilToday, type CalendarDate } from "../domain/Lead.ts"
import { maskText } from "../domain/Mask.ts"
import { addOutcomes, type BatchOutcome, emptyOutcome, LeadStore } from "../services/LeadStore.ts"
import type { WorkerInput, WorkerMessage } from "./importLeads.worker.ts"

export class ImportFileUnreadable extends Schema.TaggedError<ImportFileUnreadable>()("ImportFileUnreadable", {
  file: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot import ${this.file}: ${this.reason}`
  }
}

export type { ImportFormat }

export interface ImportReport {
  readonly importId: number
  readonly file: string
  readonly format: ImportFormat
  /** data rows read (header and blank lines excluded) */
  readonly rows: number
  readonly valid: number
  readonly invalid: number
  readonly inserted: number
  readonly updated: number
  /** of the updated: invalid_data leads made valid by this file (-> to_sync) */
  readonly revalidated: number
  readonly unchanged: number
  /** rows replaced by a later line of the same CPF in the same batch (the later line wins) */
  readonly superseded: number
  readonly supersededLines: ReadonlyArray<number>
  /** per reason code: how many rows, and the first lines (at most `linesPerReason`) */
  readonly invalidByReason: Readonly<Record<string, { readonly count: number; readonly lines: ReadonlyArray<number> }>>
  readonly durationMillis: number
}

export interface ImportOptions {
  /** rows per transaction */
  readonly batchSize?: number
  /** concurrent writers (database connections) */
  readonly writers?: number
  /** lines listed per reason in the report */
  readonly linesPerReason?: number
  /** read and validate in a worker thread (default false) */
  readonly worker?: boolean
  /** the date the age rules use; default: today in Brazil from the Clock */
  readonly today?: CalendarDate
  /** name recorded as source_file (default: the path as given) */
  readonly sourceFile?: string
}

/**
 * IMPORT_BATCH_SIZE (5000), IMPORT_WRITERS (1), IMPORT_REPORT_LINES (20), IMPORT_WORKER (false),
 * IMPORT_WORKER_HEAP_MB (64). The import is bound by PostgreSQL (~45 us a row against ~20 us of parsing and
 * validating here), and parsing already overlaps the writes: on 2 cores neither a second writer nor the
 * worker thread measured faster, and the worker's own heap costs ~60 MB more.
 */
export const importOptionsConfig = Config.all({
  batchSize: Config.Int("IMPORT_BATCH_SIZE").pipe(Config.withDefault(5000)),
  writers: Config.Int("IMPORT_WRITERS").pipe(Config.withDefault(1)),
  linesPerReason: Config.Int("IMPORT_REPORT_LINES").pipe(Config.withDefault(20)),
  worker: Config.Boolean("IMPORT_WORKER").pipe(Config.withDefault(false)),
  workerHeapMb: Config.Int("IMPORT_WORKER_HEAP_MB").pipe(Config.withDefault(64))
})

const detectFormat = (path: string, head: string): ImportFormat => {
  const ext = extname(path).toLowerCase()
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl"
  if (ext === ".csv") return "csv"
  return head.replace(/^\uFEFF/, "").trimStart().startsWith("{") ? "jsonl" : "csv"
}

const errnoMessage = (e: unknown) => {
  const code = (e as { code?: unknown }).code
  if (code === "ENOENT") return "no such file"
  if (code === "EACCES" || code === "EPERM") return "permission denied"
  if (code === "EISDIR") return "it is a directory"
  return typeof code === "string" ? code : e instanceof Error ? e.message : String(e)
}

/** Opens the file and reads its first bytes: an unreadable file fails here, before anything is stored. */
const probe = (file: string) =>
  Effect.tryPromise({
    try: async () => {
      const handle = await open(file, "r")
      try {
        const buffer = Buffer.alloc(4096)
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
        return buffer.subarray(0, bytesRead).toString("utf8")
      } finally {
        await handle.close()
      }
    },
    catch: (e) => new ImportFileUnreadable({ file, reason: errnoMessage(e) })
  })

const unreadable = (file: string, e: unknown) =>
  new ImportFileUnreadable({ file, reason: e instanceof ImportReadError ? e.message : `read failed: ${errnoMessage(e)}` })

/** Where batches come from: `emit` hands one to its partition's writer (waiting for room); returns the tally. */
type Source = (emit: (partition: number, batch: ImportBatch) => Effect.Effect<void>, stored: Effect.Effect<void>) => Effect.Effect<Tally, ImportFileUnreadable>

/** Reads and validates in this thread (used when workers are off). */
const inThread = (file: string, options: ReaderOptions): Source => (emit) =>
  Effect.gen(function*() {
    const reader = new ImportReader(options)
    const stream = createReadStream(file, { encoding: "utf8", highWaterMark: 64 * 1024 })
    yield* Effect.addFinalizer(() => Effect.sync(() => stream.destroy()))
    const iterator = stream[Symbol.asyncIterator]()
    const handOver = Effect.suspend(() => Effect.forEach(reader.takeReady(), ([p, batch]) => emit(p, batch), { discard: true }))
    for (;;) {
      const next = yield* Effect.tryPromise({ try: () => iterator.next(), catch: (e) => unreadable(file, e) })
      if (next.done === true) break
      yield* Effect.try({ try: () => reader.push(next.value as string), catch: (e) => unreadable(file, e) })
      yield* handOver
    }
    yield* Effect.try({ try: () => reader.end(), catch: (e) => unreadable(file, e) })
    yield* handOver
    return reader.tally()
  }).pipe(Effect.scoped)

/**
 * A full collection after a stored batch, once the heap grew by 32 MB since the last one. A batch waits for the
 * database long enough to be promoted to the old generation, and V8 lets that garbage grow the heap to several
 * times the live set before collecting (measured: +200 MB of RSS for 100k rows). Collecting keeps the growth
 * under ~90 MB, for a few ms each time (the database takes ~200 ms per 5,000 rows).
 */
let gc: (() => void) | undefined
let heapAfterGc = 0
const collectGarbage = () => {
  if (gc === undefined) {
    try {
      setFlagsFromString("--expose-gc")
      const found = runInNewContext("gc") as unknown
      gc = typeof found === "function" ? () => found() : () => undefined
    } catch {
      gc = () => undefined
    }
  }
  // only once 32 MB of garbage may have piled up: small batches (tests) then cost nothing
  if (getHeapStatistics().used_heap_size < heapAfterGc + 32 * 2 ** 20) return
  gc()
  heapAfterGc = getHeapStatistics().used_heap_size
}

const workerUrl = new URL(`./importLeads.worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)

/**
 * Reads and validates in a worker thread with a small heap of its own: the second core parses while this
 * thread talks to the database, and the garbage of parsing a million rows stays in a bounded heap.
 */
const inWorker = (file: string, options: ReaderOptions, heapMb: number): Source => (emit, stored) =>
  Effect.gen(function*() {
    const credits = options.partitions + 1
    const input: WorkerInput = { ...options, file, credits }
    const worker = yield* Effect.acquireRelease(
      Effect.sync(() =>
        new Worker(workerUrl, { workerData: input, resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 8 } })
      ),
      (w) => Effect.promise(() => w.terminate())
    )
    const inbox = yield* Queue.unbounded<WorkerMessage | { readonly type: "crashed"; readonly error: unknown }>()
    worker.on("message", (m: WorkerMessage) => Queue.offerUnsafe(inbox, m))
    worker.on("error", (error) => Queue.offerUnsafe(inbox, { type: "crashed", error }))
    worker.on("exit", (code) => Queue.offerUnsafe(inbox, { type: "crashed", error: new Error(`import worker exited with code ${code}`) }))
    // each stored batch lets the worker read one batch further
    yield* Effect.forkScoped(Effect.forever(stored.pipe(Effect.andThen(Effect.sync(() => worker.postMessage("credit"))))))
    for (;;) {
      const m = yield* Queue.take(inbox)
      switch (m.type) {
        case "batch":
          yield* emit(m.partition, m.batch)
          break
        case "done":
          return m.tally
        case "failed":
          if (m.unreadable) return yield* new ImportFileUnreadable({ file, reason: m.code !== undefined ? `read failed: ${errnoMessage(m)}` : m.message })
          return yield* Effect.die(new Error(`import worker failed: ${maskText(m.message)}`))
        case "crashed":
          return yield* Effect.die(m.error)
      }
    }
  }).pipe(Effect.scoped)

/**
 * Imports one export file. Fails only when the file cannot be read (missing, unreadable, no header or a
 * header without the required columns, a quote never closed); every bad row is stored as invalid_data and
 * counted in the report by reason, with its line.
 */
export const importLeads = Effect.fn("importLeads")(function*(file: string, options: ImportOptions = {}) {
  const defaults = yield* importOptionsConfig
  const readerOptions: ReaderOptions = {
    format: "csv",
    batchSize: Math.max(1, options.batchSize ?? defaults.batchSize),
    partitions: Math.max(1, options.writers ?? defaults.writers),
    linesPerReason: options.linesPerReason ?? defaults.linesPerReason,
    today: { year: 0, month: 0, day: 0 }
  }
  const sourceFile = options.sourceFile ?? file
  const store = yield* LeadStore
  const started = yield* Clock.currentTimeMillis
  const head = yield* probe(file)
  const format = detectFormat(file, head)
  const reader: ReaderOptions = { ...readerOptions, format, today: options.today ?? brazilToday(started) }
  const importId = yield* store.startImport(sourceFile)
  yield* Effect.logInfo("import started", { file: sourceFile, format, importId })

  // one queue (capacity 1) and one writer fiber per partition: a partition's batches are stored in file order
  const queues = yield* Effect.forEach(Array.from({ length: reader.partitions }), () => Queue.bounded<ImportBatch | null>(1))
  const storedSignals = yield* Queue.unbounded<void>()
  const writer = (queue: Queue.Queue<ImportBatch | null>) =>
    Effect.gen(function*() {
      let outcome = emptyOutcome
      for (;;) {
        const batch = yield* Queue.take(queue)
        if (batch === null) return outcome
        const done: BatchOutcome = yield* store.importBatch(batch, sourceFile)
        outcome = addOutcomes(outcome, done)
        yield* Queue.offer(storedSignals, undefined)
        collectGarbage()
        yield* Effect.logDebug("import batch stored", { file: sourceFile, rows: batch.line.length, ...done })
      }
    })
  const writerFibers = yield* Effect.forEach(queues, (q) => Effect.forkChild(writer(q)))

  const useWorker = options.worker ?? defaults.worker
  const source = useWorker ? inWorker(file, reader, defaults.workerHeapMb) : inThread(file, reader)
  const readResult = yield* Effect.exit(source((p, batch) => Queue.offer(queues[p]!, batch).pipe(Effect.asVoid), Queue.take(storedSignals)))
  // writers finish what was queued (also after a read failure: those rows are valid and committed)
  yield* Effect.forEach(queues, (q) => Queue.offer(q, null))
  const outcomes = yield* Effect.forEach(writerFibers, Fiber.join)
  if (Exit.isFailure(readResult)) return yield* Effect.failCause(readResult.cause)
  const tally = readResult.value
  const outcome = outcomes.reduce(addOutcomes, emptyOutcome)

  const finished = yield* Clock.currentTimeMillis
  const report: ImportReport = {
    importId,
    file: sourceFile,
    format,
    rows: tally.rows,
    valid: tally.valid,
    invalid: tally.invalid,
    ...outcome,
    superseded: tally.superseded,
    supersededLines: tally.supersededLines,
    invalidByReason: tally.invalidByReason,
    durationMillis: finished - started
  }
  yield* store.finishImport(importId, report)
  yield* Effect.logInfo("import finished", {
    file: sourceFile,
    rows: report.rows,
    inserted: report.inserted,
    updated: report.updated,
    unchanged: report.unchanged,
    invalid: report.invalid
  })
  return report
})

/** The report as text for a terminal: totals, then each reason with its first lines. */
export const formatReport = (r: ImportReport): string => {
  const lines = [
    `import #${r.importId} of ${r.file} (${r.format}) in ${(r.durationMillis / 1000).toFixed(1)} s`,
    `  rows read   ${r.rows}`,
    `  inserted    ${r.inserted}`,
    `  updated     ${r.updated}${r.revalidated > 0 ? ` (${r.revalidated} invalid_data -> to_sync)` : ""}`,
    `  unchanged   ${r.unchanged}`,
    `  superseded  ${r.superseded}${r.superseded > 0 ? ` (later line of the same CPF wins; lines ${r.supersededLines.join(", ")}${r.superseded > r.supersededLines.length ? ", ..." : ""})` : ""}`,
    `  valid       ${r.valid}`,
    `  invalid     ${r.invalid}${r.invalid > 0 ? " (kept as invalid_data)" : ""}`
  ]
  for (const [code, { count, lines: at }] of Object.entries(r.invalidByReason)) {
    lines.push(`    ${code}: ${count} row(s), line ${at.join(", ")}${count > at.length ? ", ..." : ""}`)
  }
  return lines.join("\n")
}
