// The synchronous core of the import: text chunks of an export (CSV or JSON Lines) in, batches of prepared
// rows out, spread over partitions by key, with the tally of the report. No I/O: the caller reads the file
// (in this thread or in a worker) and hands the batches to the store.
import { CsvReader, type CsvRecord, CsvSyntaxError, LineSplitter } from "./Csv.ts"
import { BatchBuilder, type ImportBatch, prepareRow, type PreparedRow } from "./ImportBatch.ts"
import type { InvalidReason } from "./Lead.ts"
import { type CalendarDate, columns, requiredColumns } from "./LeadRules.ts"

export type ImportFormat = "csv" | "jsonl"

/** The file itself cannot be imported (header, unclosed quote); the message names the problem, never a value. */
export class ImportReadError extends Error {}

export interface ReaderOptions {
  readonly format: ImportFormat
  readonly batchSize: number
  readonly partitions: number
  readonly linesPerReason: number
  readonly today: CalendarDate
}

export interface Tally {
  readonly rows: number
  readonly valid: number
  readonly invalid: number
  readonly superseded: number
  readonly supersededLines: ReadonlyArray<number>
  readonly invalidByReason: Readonly<Record<string, { readonly count: number; readonly lines: ReadonlyArray<number> }>>
}

const columnSet: ReadonlySet<string> = new Set(columns)

const partitionOf = (key: string, partitions: number) => {
  if (partitions === 1) return 0
  let h = 0
  for (let i = key.length - 6; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0
  return Math.abs(h) % partitions
}

export class ImportReader {
  private readonly builders: Array<BatchBuilder>
  private readonly ready: Array<readonly [number, ImportBatch]> = []
  private readonly csv = new CsvReader()
  private readonly lines = new LineSplitter()
  private header: Array<string> | undefined
  private jsonLine = 0
  private rows = 0
  private valid = 0
  private invalid = 0
  private superseded = 0
  private readonly supersededLines: Array<number> = []
  private readonly byReason = new Map<string, { count: number; lines: Array<number> }>()
  private readonly options: ReaderOptions

  constructor(options: ReaderOptions) {
    this.options = options
    this.builders = Array.from({ length: options.partitions }, () => new BatchBuilder())
  }

  /** Parses a chunk; full batches become available through `takeReady`. Throws ImportReadError. */
  push(chunk: string): void {
    try {
      if (this.options.format === "csv") this.csv.push(chunk, this.onRecord)
      else this.lines.push(chunk, this.onJsonLine)
    } catch (e) {
      throw e instanceof CsvSyntaxError ? new ImportReadError(e.message) : e
    }
  }

  /** The end of the file: the last rows become batches. Throws ImportReadError. */
  end(): void {
    try {
      if (this.options.format === "csv") this.csv.end(this.onRecord)
      else this.lines.end(this.onJsonLine)
    } catch (e) {
      throw e instanceof CsvSyntaxError ? new ImportReadError(e.message) : e
    }
    if (this.options.format === "csv" && this.header === undefined) throw new ImportReadError("the file is empty (no header row)")
    for (let p = 0; p < this.builders.length; p++) this.take(p)
  }

  /** Batches completed so far, with their partition, in order. */
  takeReady(): Array<readonly [number, ImportBatch]> {
    return this.ready.splice(0)
  }

  tally(): Tally {
    return {
      rows: this.rows,
      valid: this.valid,
      invalid: this.invalid,
      superseded: this.superseded,
      supersededLines: this.supersededLines,
      invalidByReason: Object.fromEntries([...this.byReason].sort(([a], [b]) => (a < b ? -1 : 1)))
    }
  }

  private take(p: number) {
    const { batch, superseded } = this.builders[p]!.take()
    this.superseded += superseded.length
    for (const line of superseded) if (this.supersededLines.length < this.options.linesPerReason) this.supersededLines.push(line)
    if (batch.line.length > 0) this.ready.push([p, batch])
  }

  private add(raw: Record<string, string>, line: number, extra: ReadonlyArray<InvalidReason>) {
    const row: PreparedRow = prepareRow(raw, line, this.options.today, extra)
    this.rows++
    if (row.lead !== undefined) this.valid++
    else {
      this.invalid++
      for (const r of row.reasons) {
        let entry = this.byReason.get(r.code)
        if (entry === undefined) this.byReason.set(r.code, entry = { count: 0, lines: [] })
        entry.count++
        if (entry.lines.length < this.options.linesPerReason && entry.lines.at(-1) !== line) entry.lines.push(line)
      }
    }
    const p = partitionOf(row.key, this.builders.length)
    this.builders[p]!.add(row)
    if (this.builders[p]!.size >= this.options.batchSize) this.take(p)
  }

  private readonly onRecord = ({ fields, line }: CsvRecord) => {
    const header = this.header
    if (header === undefined) {
      const names = fields.map((h) => h.trim().toLowerCase())
      const missing = requiredColumns.filter((c) => !names.includes(c))
      if (missing.length > 0) throw new ImportReadError(`the header lacks the columns ${missing.join(", ")}`)
      this.header = names
      return
    }
    const raw: Record<string, string> = {}
    for (let i = 0; i < header.length && i < fields.length; i++) raw[header[i]!] = fields[i]!
    this.add(raw, line, fields.length === header.length ? [] : [{
      field: "row",
      code: "row_columns",
      message: `the row has ${fields.length} fields, the header ${header.length}`
    }])
  }

  private readonly onJsonLine = (text: string) => {
    const line = ++this.jsonLine
    const trimmed = text.trim()
    if (trimmed.length === 0) return
    let value: unknown
    try {
      value = JSON.parse(trimmed)
    } catch {
      value = undefined
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.add({ _line: text }, line, [{ field: "row", code: "row_json", message: "the line is not a JSON object" }])
      return
    }
    const raw: Record<string, string> = {}
    let nested = false
    for (const [k, v] of Object.entries(value)) {
      const key = k.trim().toLowerCase()
      if (v === null || v === undefined) raw[key] = ""
      else if (typeof v === "string") raw[key] = v
      else if (typeof v === "number" || typeof v === "boolean") raw[key] = String(v)
      else {
        raw[key] = JSON.stringify(v)
        if (columnSet.has(key)) nested = true
      }
    }
    this.add(raw, line, nested ? [{ field: "row", code: "row_json", message: "a column holds an object or an array" }] : [])
  }
}
