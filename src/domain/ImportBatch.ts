// Rows of an export file prepared for the store: validated, keyed, de-duplicated within a batch and laid
// out as columns (the store binds whole columns as arrays: INSERT ... SELECT FROM unnest(...)). Pure.
import { createHash } from "node:crypto"
import type { InvalidReason, Lead } from "./Lead.ts"
import { type CalendarDate, validateRow } from "./LeadRules.ts"

export interface PreparedRow {
  /** physical line of the file where the row starts (CSV header = line 1) */
  readonly line: number
  /** "c:<11 digits>" for a row with a usable CPF, "k:<hash>" otherwise */
  readonly key: string
  readonly lead: Lead | undefined
  readonly cpf: string | undefined
  readonly invalidKey: string | undefined
  readonly reasons: ReadonlyArray<InvalidReason>
  /** the row's original fields, kept only for an invalid row */
  readonly raw: Readonly<Record<string, string>> | undefined
}

/** Identity of an invalid row without a usable CPF: a hash of its raw fields, so a re-import finds it again. */
export const invalidKeyOf = (raw: Readonly<Record<string, string>>): string => {
  const canonical = JSON.stringify(Object.keys(raw).sort().map((k) => [k, raw[k]]))
  return createHash("sha256").update(canonical).digest("hex")
}

/** Validates a row and gives it its key. `extra` adds reasons found by the reader (e.g. a ragged CSV row). */
export const prepareRow = (
  raw: Readonly<Record<string, string>>,
  line: number,
  today: CalendarDate,
  extra: ReadonlyArray<InvalidReason> = []
): PreparedRow => {
  const v = validateRow(raw, today)
  if (v._tag === "Valid" && extra.length === 0) {
    return { line, key: `c:${v.lead.cpf}`, lead: v.lead, cpf: v.lead.cpf, invalidKey: undefined, reasons: [], raw: undefined }
  }
  const reasons = v._tag === "Valid" ? extra : [...extra, ...v.reasons]
  const cpf = v._tag === "Valid" ? v.lead.cpf : v.cpf
  if (cpf !== undefined) return { line, key: `c:${cpf}`, lead: undefined, cpf, invalidKey: undefined, reasons, raw }
  const invalidKey = invalidKeyOf(raw)
  return { line, key: `k:${invalidKey}`, lead: undefined, cpf: undefined, invalidKey, reasons, raw }
}

/** The columns bound by LeadStore.importBatch; "" (or 0) stands for NULL so no array is all-null. */
export interface ImportBatch {
  readonly line: Array<number>
  readonly cpf: Array<string>
  readonly invalidKey: Array<string>
  readonly status: Array<string>
  /** JSON text */
  readonly invalidReasons: Array<string>
  /** JSON text */
  readonly raw: Array<string>
  readonly userName: Array<string>
  readonly email: Array<string>
  readonly birthday: Array<string>
  readonly gender: Array<string>
  readonly areaCode: Array<string>
  readonly phoneNumber: Array<string>
  readonly rg: Array<string>
  readonly cep: Array<string>
  readonly street: Array<string>
  readonly addressNumber: Array<string>
  readonly city: Array<string>
  readonly state: Array<string>
  readonly courseName: Array<string>
  readonly courseType: Array<string>
  readonly modality: Array<string>
  readonly unitId: Array<number>
  readonly monthlyPrice: Array<string>
  readonly captationPeriod: Array<number>
}

export const batchSize = (batch: ImportBatch) => batch.line.length

/**
 * Accumulates rows of ONE file in order. Two rows with the same key: the later line wins, except that an
 * invalid row never replaces a valid one (the same outcome as applying the rows one by one to the store,
 * where a bad row never overwrites a valid lead). `superseded` counts the rows replaced that way.
 */
export class BatchBuilder {
  private rows = new Map<string, PreparedRow>()
  superseded: Array<number> = []

  get size() {
    return this.rows.size
  }

  add(row: PreparedRow): void {
    const previous = this.rows.get(row.key)
    if (previous === undefined) {
      this.rows.set(row.key, row)
    } else if (row.lead === undefined && previous.lead !== undefined) {
      this.superseded.push(row.line)
    } else {
      this.superseded.push(previous.line)
      // delete first, so that the map's order stays the order of the winning lines
      this.rows.delete(row.key)
      this.rows.set(row.key, row)
    }
  }

  /** The batch as columns, sorted by key: concurrent imports then lock keys in the same order (no deadlock). */
  take(): { readonly batch: ImportBatch; readonly superseded: ReadonlyArray<number> } {
    const rows = [...this.rows.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    const superseded = this.superseded
    this.rows = new Map()
    this.superseded = []
    return { batch: toColumns(rows), superseded }
  }
}

export const toColumns = (rows: ReadonlyArray<PreparedRow>): ImportBatch => {
  const b: { -readonly [K in keyof ImportBatch]: ImportBatch[K] } = {
    line: [], cpf: [], invalidKey: [], status: [], invalidReasons: [], raw: [], userName: [], email: [], birthday: [],
    gender: [], areaCode: [], phoneNumber: [], rg: [], cep: [], street: [], addressNumber: [], city: [], state: [],
    courseName: [], courseType: [], modality: [], unitId: [], monthlyPrice: [], captationPeriod: []
  }
  for (const r of rows) {
    const l = r.lead
    b.line.push(r.line)
    b.cpf.push(r.cpf ?? "")
    b.invalidKey.push(r.invalidKey ?? "")
    b.status.push(l === undefined ? "invalid_data" : "to_sync")
    b.invalidReasons.push(l === undefined ? JSON.stringify(r.reasons) : "")
    b.raw.push(r.raw === undefined ? "" : JSON.stringify(r.raw))
    b.userName.push(l?.name ?? "")
    b.email.push(l?.email ?? "")
    b.birthday.push(l?.birthday ?? "")
    b.gender.push(l?.gender ?? "")
    b.areaCode.push(l?.areaCode ?? "")
    b.phoneNumber.push(l?.phoneNumber ?? "")
    b.rg.push(l?.rg ?? "")
    b.cep.push(l?.cep ?? "")
    b.street.push(l?.street ?? "")
    b.addressNumber.push(l?.number ?? "")
    b.city.push(l?.city ?? "")
    b.state.push(l?.state ?? "")
    b.courseName.push(l?.courseName ?? "")
    b.courseType.push(l?.courseType ?? "")
    b.modality.push(l?.modality ?? "")
    b.unitId.push(l?.unitId ?? 0)
    b.monthlyPrice.push(l?.monthlyPrice ?? "")
    b.captationPeriod.push(l?.captationPeriod ?? 0)
  }
  return b
}
