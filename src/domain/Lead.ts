// One row of the daily warehouse export (contract section 1): the Schemas of a raw row, a valid lead and an
// invalid reason. The rules themselves are in LeadRules.ts (re-exported here), free of effect at run time so
// that the import worker stays small.
import { Schema } from "effect"
import { ufs } from "./LeadRules.ts"

export * from "./LeadRules.ts"

/** A row as read from the file: column -> text (JSON Lines numbers are turned into text first). */
export const RawRow = Schema.Record(Schema.String, Schema.String)
export type RawRow = typeof RawRow.Type

/** A valid lead, plain values ready to be stored. */
export const Lead = Schema.Struct({
  name: Schema.String,
  /** 11 digits */
  cpf: Schema.String,
  email: Schema.String,
  /** YYYY-MM-DD */
  birthday: Schema.String,
  gender: Schema.NullOr(Schema.Literals(["M", "F"])),
  areaCode: Schema.String,
  /** 8 or 9 digits */
  phoneNumber: Schema.String,
  rg: Schema.String,
  /** 8 digits */
  cep: Schema.String,
  street: Schema.String,
  number: Schema.String,
  city: Schema.String,
  state: Schema.Literals(ufs),
  courseName: Schema.String,
  courseType: Schema.String,
  modality: Schema.String,
  unitId: Schema.Int,
  /** decimal text as given, e.g. "249.90" (numeric(12,2) in the database) */
  monthlyPrice: Schema.String,
  captationPeriod: Schema.Int
})
export type Lead = typeof Lead.Type

export const InvalidReason = Schema.Struct({
  field: Schema.String,
  code: Schema.String,
  message: Schema.String
})
export type InvalidReason = typeof InvalidReason.Type
