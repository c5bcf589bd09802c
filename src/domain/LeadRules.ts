// The rules of contract section 1 for one row of the daily export. Pure: "today" is a parameter. Every broken
// rule of a row is collected (not only the first); reasons never carry the raw CPF, e-mail or phone, so they
// can be logged and stored as they are. No effect import at run time (see Lead.ts for the Schemas).
// Deep imports: the worker thread loads this file, and the package's barrel (or effect's) would cost it ~20-40 MB.
import { isValidCep } from "@brazilian-utils/brazilian-utils/is-valid-cep"
import { isValidCpf } from "@brazilian-utils/brazilian-utils/is-valid-cpf"
import { isValidEmail } from "@brazilian-utils/brazilian-utils/is-valid-email"
import type { InvalidReason, Lead } from "./Lead.ts"

/** The columns of the export, in the order the generator writes them (files may use any order). */
export const columns = [
  "name", "cpf", "email", "birthday", "gender", "area_code", "phone_number", "rg", "cep", "street", "number",
  "city", "state", "course_name", "course_type", "modality", "unit_id", "monthly_price", "captation_period"
] as const
export type Column = typeof columns[number]

/** Columns a CSV header must name; `gender` may be absent (it then means "to be inferred"). */
export const requiredColumns: ReadonlyArray<Column> = columns.filter((c) => c !== "gender")

export const ufs = [
  "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA", "PB", "PR", "PE", "PI", "RJ",
  "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO"
] as const
const ufSet: ReadonlySet<string> = new Set(ufs)

export type RowValidation =
  | { readonly _tag: "Valid"; readonly lead: Lead }
  | {
    readonly _tag: "Invalid"
    readonly reasons: ReadonlyArray<InvalidReason>
    /** the CPF as 11 digits when the CPF itself passed its rules (the row is then keyed by it) */
    readonly cpf: string | undefined
  }

/** A calendar date (no time zone involved). */
export interface CalendarDate {
  readonly year: number
  readonly month: number
  readonly day: number
}

/** "YYYY-MM-DD" -> CalendarDate (for `today`; throws on a malformed constant, a bug of the caller). */
export const calendarDate = (iso: string): CalendarDate => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso)
  if (m === null) throw new Error(`not a YYYY-MM-DD date: ${iso}`)
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }
}

/** Today in Brazil (UTC-3, no daylight saving since 2019) from epoch millis, e.g. Clock.currentTimeMillis. */
export const brazilToday = (epochMillis: number): CalendarDate => {
  const d = new Date(epochMillis - 3 * 3600_000)
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }
}

export const minimumAge = 14

const reason = (field: Column | "row", code: string, message: string): InvalidReason => ({ field, code, message })

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n))
const isoOf = (d: CalendarDate) => `${d.year}-${pad2(d.month)}-${pad2(d.day)}`
const compareDates = (a: CalendarDate, b: CalendarDate) =>
  a.year - b.year || a.month - b.month || a.day - b.day

const parseBirthday = (text: string): CalendarDate | undefined => {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  const br = iso === null ? /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text) : null
  const [year, month, day] = iso !== null
    ? [Number(iso[1]), Number(iso[2]), Number(iso[3])]
    : br !== null
    ? [Number(br[3]), Number(br[2]), Number(br[1])]
    : [NaN, NaN, NaN]
  if (Number.isNaN(year)) return undefined
  // a real calendar day (31/02 is not)
  const utc = new Date(Date.UTC(year, month - 1, day))
  if (utc.getUTCFullYear() !== year || utc.getUTCMonth() !== month - 1 || utc.getUTCDate() !== day) return undefined
  return { year, month, day }
}

const ageOn = (birth: CalendarDate, today: CalendarDate) =>
  today.year - birth.year - (today.month < birth.month || (today.month === birth.month && today.day < birth.day) ? 1 : 0)

const allEqual = (digits: string) => {
  for (let i = 1; i < digits.length; i++) if (digits[i] !== digits[0]) return false
  return true
}

const punctuation = /[\s.\-/()]/g
const maxInt4 = 2_147_483_647

/** The CPF rules alone: 11 digits or a reason. Exported for keying a row whose other fields are broken. */
export const checkCpf = (text: string): { readonly cpf: string } | { readonly reason: InvalidReason } => {
  if (text === "") return { reason: reason("cpf", "cpf_missing", "CPF is required") }
  const digits = text.replace(punctuation, "")
  if (!/^\d{11}$/.test(digits)) return { reason: reason("cpf", "cpf_format", "CPF must have 11 digits, with or without punctuation") }
  if (allEqual(digits)) return { reason: reason("cpf", "cpf_repeated_digits", "CPF with all digits equal is invalid") }
  if (!isValidCpf(digits)) return { reason: reason("cpf", "cpf_check_digits", "CPF check digits are invalid") }
  return { cpf: digits }
}

const positiveInt = (text: string): number | undefined => {
  if (!/^\d{1,10}$/.test(text)) return undefined
  const n = Number(text)
  return n >= 1 && n <= maxInt4 ? n : undefined
}

const required = (field: Column, label: string, value: string, reasons: Array<InvalidReason>) => {
  if (value === "") reasons.push(reason(field, `${field}_missing`, `${label} is required`))
  return value
}

/**
 * Validates one row against every rule of contract section 1. `get` reads a column (missing -> "").
 * Values are trimmed first: surrounding spaces are an artefact of the export, not data.
 */
export const validateRow = (row: Readonly<Record<string, string | undefined>>, today: CalendarDate): RowValidation => {
  const get = (c: Column) => (row[c] ?? "").trim()
  const reasons: Array<InvalidReason> = []

  const name = get("name")
  const nameLength = [...name].length
  if (nameLength === 0) reasons.push(reason("name", "name_missing", "name is required"))
  else if (nameLength < 2 || nameLength > 150) reasons.push(reason("name", "name_length", "name must have 2 to 150 characters"))

  const cpfCheck = checkCpf(get("cpf"))
  if ("reason" in cpfCheck) reasons.push(cpfCheck.reason)

  const email = get("email")
  if (email === "") reasons.push(reason("email", "email_missing", "e-mail is required"))
  else if (email.length > 254 || !isValidEmail(email)) reasons.push(reason("email", "email_invalid", "e-mail is not a valid address"))

  const birthdayText = get("birthday")
  let birthday: CalendarDate | undefined
  if (birthdayText === "") reasons.push(reason("birthday", "birthday_missing", "birthday is required"))
  else {
    birthday = parseBirthday(birthdayText)
    if (birthday === undefined) {
      reasons.push(reason("birthday", "birthday_format", "birthday must be a real date written YYYY-MM-DD or DD/MM/YYYY"))
    } else if (compareDates(birthday, { year: 1900, month: 1, day: 1 }) < 0) {
      reasons.push(reason("birthday", "birthday_before_1900", "birthday must not be before 1900-01-01"))
    } else if (compareDates(birthday, today) > 0) {
      reasons.push(reason("birthday", "birthday_future", "birthday must not be in the future"))
    } else if (ageOn(birthday, today) < minimumAge) {
      reasons.push(reason("birthday", "birthday_under_14", `the lead must be at least ${minimumAge} years old`))
    }
  }

  const genderText = get("gender").toUpperCase()
  const gender = genderText === "M" || genderText === "F" ? genderText : null
  if (genderText !== "" && gender === null) reasons.push(reason("gender", "gender_invalid", "gender must be M, F or empty"))

  const areaCode = get("area_code").replace(/[\s()]/g, "")
  if (areaCode === "") reasons.push(reason("area_code", "area_code_missing", "area code is required"))
  else if (!/^\d{2}$/.test(areaCode) || Number(areaCode) < 11) {
    reasons.push(reason("area_code", "area_code_invalid", "area code must be 2 digits between 11 and 99"))
  }

  const phoneText = get("phone_number")
  const phone = phoneText.replace(punctuation, "")
  if (phoneText === "") reasons.push(reason("phone_number", "phone_number_missing", "phone number is required"))
  else if (!/^\d{8,9}$/.test(phone)) reasons.push(reason("phone_number", "phone_number_invalid", "phone number must have 8 or 9 digits"))

  const rg = get("rg")
  if (rg === "") reasons.push(reason("rg", "rg_missing", "RG is required"))
  else if ([...rg].length > 20) reasons.push(reason("rg", "rg_length", "RG must have at most 20 characters"))

  const cepText = get("cep")
  if (cepText === "") reasons.push(reason("cep", "cep_missing", "CEP is required"))
  else if (!isValidCep(cepText)) reasons.push(reason("cep", "cep_invalid", "CEP must have 8 digits"))

  const street = required("street", "street", get("street"), reasons)
  const number = required("number", "address number", get("number"), reasons)
  const city = required("city", "city", get("city"), reasons)

  const state = get("state").toUpperCase()
  if (state === "") reasons.push(reason("state", "state_missing", "state (UF) is required"))
  else if (!ufSet.has(state)) reasons.push(reason("state", "state_invalid", "state must be one of the 27 Brazilian UF codes"))

  const courseName = required("course_name", "course name", get("course_name"), reasons)
  const courseType = required("course_type", "course type", get("course_type"), reasons)
  const modality = required("modality", "modality", get("modality"), reasons)

  const unitId = positiveInt(get("unit_id"))
  if (unitId === undefined) reasons.push(reason("unit_id", "unit_id_invalid", "unit id must be a positive integer"))

  const monthlyPrice = get("monthly_price")
  // numeric(12,2): at most 10 integer digits and 2 decimals, so nothing is rounded silently
  if (!/^\d{1,10}(\.\d{1,2})?$/.test(monthlyPrice)) {
    reasons.push(reason("monthly_price", "monthly_price_invalid", "monthly price must be a decimal >= 0 written with a dot (at most 2 decimals)"))
  }

  const captationPeriod = positiveInt(get("captation_period"))
  if (captationPeriod === undefined) {
    reasons.push(reason("captation_period", "captation_period_invalid", "captation period must be a positive integer"))
  }

  if (reasons.length > 0) return { _tag: "Invalid", reasons, cpf: "cpf" in cpfCheck ? cpfCheck.cpf : undefined }
  return {
    _tag: "Valid",
    lead: {
      name,
      cpf: (cpfCheck as { cpf: string }).cpf,
      email,
      birthday: isoOf(birthday!),
      gender,
      areaCode,
      phoneNumber: phone,
      rg,
      cep: cepText.replace(punctuation, ""),
      street,
      number,
      city,
      state: state as Lead["state"],
      courseName,
      courseType,
      modality,
      unitId: unitId!,
      monthlyPrice,
      captationPeriod: captationPeriod!
    }
  }
}
