// A stored lead as the actions see it (a row of subscriptions, after the import validated it).
import { Schema } from "effect"
import { Sistema } from "./KrotonWire.ts"
import { Status } from "./Status.ts"

// Dates come as YYYY-MM-DD text, numerics as float8 and last_check as epoch millis (see the claim queries).
export const LeadRecord = Schema.Struct({
  id: Schema.Number,
  cpf: Schema.String,
  status: Status,
  userName: Schema.String,
  email: Schema.String,
  birthday: Schema.String,
  gender: Schema.NullOr(Schema.Literals(["M", "F"])),
  areaCode: Schema.String,
  phoneNumber: Schema.String,
  rg: Schema.String,
  cep: Schema.String,
  street: Schema.String,
  addressNumber: Schema.String,
  city: Schema.String,
  state: Schema.String,
  courseName: Schema.String,
  courseType: Schema.String,
  modality: Schema.String,
  unitId: Schema.Number,
  monthlyPrice: Schema.Number,
  captationPeriod: Schema.Number,
  lastCheck: Schema.NullOr(Schema.Number)
})
export type LeadRecord = typeof LeadRecord.Type

/** One of the two offers chosen by syncCourses. */
export const ChosenOffer = Schema.Struct({
  option: Schema.Literals([1, 2]),
  offerId: Schema.String,
  sistema: Sistema,
  registrationEndsOn: Schema.NullOr(Schema.String)
})
export type ChosenOffer = typeof ChosenOffer.Type
