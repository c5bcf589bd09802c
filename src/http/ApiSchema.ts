// What the API accepts: request bodies, query and path parameters, decoded with Schema at the edge.
import { isValidCpf } from "@brazilian-utils/brazilian-utils"
import { Schema, SchemaTransformation } from "effect"

/** POST /runs */
export const StartRunBody = Schema.Struct({
  /** "allJobs", a node name, "register+", "+register", comma separated (see src/dag/Selection.ts) */
  node: Schema.String.pipe(Schema.check(Schema.isBetweenLength(1, 200))),
  /** default false: a real run */
  dryRun: Schema.optional(Schema.Boolean),
  /** at most this many leads per step */
  limit: Schema.optional(Schema.Number.pipe(Schema.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 1_000_000 }))))
})

const isRealDay = Schema.makeFilter<string>((s) => {
  const d = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s ? undefined : `${s} is not a calendar day`
})

/** YYYY-MM-DD, a real calendar day */
export const Day = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}$/, { expected: "a date YYYY-MM-DD" })),
  Schema.check(isRealDay)
)

/** GET /funnel?from&to */
export const FunnelQuery = Schema.Struct({ from: Schema.optional(Day), to: Schema.optional(Day) })

const IntFromString = (minimum: number, maximum: number) =>
  Schema.FiniteFromString.pipe(Schema.check(Schema.isInt(), Schema.isBetween({ minimum, maximum })))

/** GET /runs?limit */
export const RunsQuery = Schema.Struct({ limit: Schema.optional(IntFromString(1, 200)) })

/** GET /budget?hours */
export const BudgetQuery = Schema.Struct({ hours: Schema.optional(IntFromString(1, 72)) })

/** GET /runs/{id} */
export const RunPath = Schema.Struct({ id: Schema.String.pipe(Schema.check(Schema.isBetweenLength(1, 200))) })

/** A CPF with or without punctuation; decodes to its 11 digits. Valid check digits, not all digits equal. */
export const CpfParam = Schema.String.pipe(
  Schema.decodeTo(
    Schema.String.pipe(Schema.check(
      Schema.isPattern(/^\d{11}$/, { expected: "a CPF: 11 digits, with or without punctuation" }),
      Schema.makeFilter<string>((d) => (/^(\d)\1{10}$/.test(d) || !isValidCpf(d) ? "CPF check digits are invalid" : undefined))
    )),
    SchemaTransformation.transform({ decode: (text: string) => text.replace(/[.\-\s]/g, ""), encode: (digits: string) => digits })
  )
)

/** GET /leads/{cpf} */
export const LeadPath = Schema.Struct({ cpf: CpfParam })
