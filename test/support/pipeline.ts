// The actions' test layers: LeadQueue + LeadStore over a fresh database (test/support/database.ts), the in-memory
// upstreams (KrotonFake, CatalogFake, a programmable census), no rate limit, and helpers to seed leads, run a step
// and look at the tables.
import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ActionSettings, type ActionSettingsShape } from "../../src/actions/ActionSettings.ts"
import { StepContext } from "../../src/dag/StepContext.ts"
import type { Inscription, Sistema } from "../../src/domain/KrotonWire.ts"
import type { CourseInterest } from "../../src/domain/OfferSearch.ts"
import type { Status } from "../../src/domain/Status.ts"
import { firstName } from "../../src/domain/FirstName.ts"
import { CensusUnavailable, decide, GenderCensus } from "../../src/services/GenderCensus.ts"
import { KrotonApi } from "../../src/services/KrotonApi.ts"
import { LeadQueue } from "../../src/services/LeadQueue.ts"
import { LeadStore } from "../../src/services/LeadStore.ts"
import { Notifier } from "../../src/services/Notifier.ts"
import { type CatalogDocument, OfferCatalog } from "../../src/services/OfferCatalog.ts"
import { RateBudget } from "../../src/services/RateBudget.ts"
import { type DatabaseKind, freshDatabase } from "./database.ts"

/** The tests' "now": 2026-12-03 12:00 in São Paulo. */
export const NOW = Date.parse("2026-12-03T15:00:00Z")
export const TODAY = "2026-12-03"

/**
 * Puts the TestClock at NOW (it.effect starts it at 0). Do it before the database layer is built: the connection
 * pool's idle check wakes up every minute of test time, so jumping 56 years with a pool open never ends.
 */
export const atNow = TestClock.setTime(NOW)

// --------------------------------------------------------------------------------------------- the census

/** Every first name the census was asked about, in order (the programmable census records them). */
export class CensusCalls extends Context.Service<CensusCalls, { readonly names: () => ReadonlyArray<string> }>()(
  "kroton-leads/test/CensusCalls"
) {}

export interface CensusOptions {
  /** female share per census-spelled first name */
  readonly table?: Readonly<Record<string, number>>
  /** first names whose lookup fails with CensusUnavailable */
  readonly down?: ReadonlyArray<string>
}

/** GenderCensus over a table, with the same decision as the live one (0.9), failures on demand and a call log. */
export const censusLayer = (options: CensusOptions = {}): Layer.Layer<GenderCensus | CensusCalls> =>
  Layer.effectContext(Effect.sync(() => {
    const names: Array<string> = []
    const table = options.table ?? {}
    const down = new Set(options.down ?? [])
    const census = GenderCensus.of({
      infer: (fullName) =>
        Effect.suspend(() => {
          const name = firstName(fullName)
          names.push(name)
          if (down.has(name)) return Effect.fail(new CensusUnavailable({ reason: "503 from the IBGE names API" }))
          return Effect.succeed(decide(name, Object.hasOwn(table, name) ? table[name] : undefined, 0.9, "table"))
        }).pipe(Effect.tap(() => Effect.yieldNow)) // let concurrent walks interleave
    })
    return Context.make(GenderCensus, census).pipe(Context.add(CensusCalls, { names: () => [...names] }))
  }))

// --------------------------------------------------------------------------------------------- the layers

export interface PipelineOptions {
  readonly census?: CensusOptions
  readonly settings?: Partial<ActionSettingsShape>
}

/** Everything the four actions need (but StepContext: see `runStep`), over a fresh database of `kind`. */
export const testPipeline = (kind: DatabaseKind, options: PipelineOptions = {}) =>
  Layer.mergeAll(
    Layer.mergeAll(LeadQueue.layer, LeadStore.layer).pipe(Layer.provideMerge(freshDatabase(kind))),
    KrotonApi.layerTest,
    OfferCatalog.layerTest,
    censusLayer(options.census),
    Notifier.layerTest,
    RateBudget.layerUnlimited,
    ActionSettings.layerTest({ concurrency: 4, ...options.settings })
  )

/** Sets the clock to NOW, then runs `body` with a fresh pipeline (the layer built after the clock moved). */
export const withPipeline = (kind: DatabaseKind, options: PipelineOptions = {}) =>
<A, E, R>(body: Effect.Effect<A, E, R>) => Effect.andThen(atNow, Effect.provide(body, testPipeline(kind, options)))

// --------------------------------------------------------------------------------------------- running a step

let runs = 0
export interface StepOptions {
  readonly runId?: string
  readonly node?: string
  readonly dryRun?: boolean
  readonly limit?: number
}

/**
 * Runs an action as one step of a run. Each call is a new run unless `runId` is given: a run never takes again a
 * lead it already handled (lead_claims.run_id), so two calls under one id would see nothing the second time.
 */
export const runStep = <A, E, R>(action: Effect.Effect<A, E, R>, options: StepOptions = {}) =>
  Effect.provideService(action, StepContext, StepContext.of({
    runId: options.runId ?? `test-run-${++runs}`,
    node: options.node ?? "step",
    dryRun: options.dryRun ?? false,
    limit: options.limit,
    reportProgress: () => Effect.void
  }))

// --------------------------------------------------------------------------------------------- seeding

/** A valid CPF (11 digits) from a small number, different for each n. */
export const cpfOf = (n: number): string => {
  const base = String(100_000_000 + ((n * 7_919 + 1_234) % 800_000_000)).slice(0, 9).split("").map(Number)
  const check = (digits: ReadonlyArray<number>) => {
    const sum = digits.reduce((acc, d, i) => acc + d * (digits.length + 1 - i), 0)
    return ((sum * 10) % 11) % 10
  }
  const d1 = check(base)
  const d2 = check([...base, d1])
  return [...base, d1, d2].join("")
}

export const interestA: CourseInterest = {
  courseName: "ADMINISTRACAO",
  courseType: "GRADUACAO",
  modality: "EAD",
  unitId: 101,
  monthlyPrice: 249.9,
  captationPeriod: 20271
}

export const interestB: CourseInterest = {
  courseName: "DIREITO",
  courseType: "GRADUACAO",
  modality: "PRESENCIAL",
  unitId: 102,
  monthlyPrice: 899,
  captationPeriod: 20271
}

export interface LeadSeed {
  readonly cpf: string
  readonly name?: string
  readonly email?: string
  readonly birthday?: string
  readonly gender?: "M" | "F" | null
  readonly status?: Status
  readonly areaCode?: string
  readonly phone?: string
  readonly rg?: string
  readonly cep?: string
  readonly street?: string
  readonly number?: string
  readonly city?: string
  readonly state?: string
  readonly interest?: CourseInterest
  readonly lastCheck?: number | null
}

/** Inserts a valid lead directly (as the import would store it); returns its id. */
export const insertLead = (seed: LeadSeed) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const i = seed.interest ?? interestA
    const gender = seed.gender === undefined ? "F" : seed.gender
    const rows = yield* sql.unsafe<{ id: number }>(
      `INSERT INTO subscriptions (cpf, status, user_name, email, birthday, gender, gender_source, area_code, phone_number,
         rg, cep, street, address_number, city, state, course_name, course_type, modality, unit_id, monthly_price,
         captation_period, last_check)
       VALUES ($1, $2, $3, $4, $5::date, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20::numeric, $21, $22)
       RETURNING id::int AS id`,
      [
        seed.cpf,
        seed.status ?? "to_sync",
        seed.name ?? "Maria Aparecida Souza",
        seed.email ?? `lead${seed.cpf}@example.com`,
        seed.birthday ?? "1995-04-17",
        gender,
        gender === null ? null : "import",
        seed.areaCode ?? "11",
        seed.phone ?? "975405666",
        seed.rg ?? "20000000",
        seed.cep ?? "12243740",
        seed.street ?? "Rua Pedro de Toledo",
        seed.number ?? "48",
        seed.city ?? "São José dos Campos",
        seed.state ?? "SP",
        i.courseName,
        i.courseType,
        i.modality,
        i.unitId,
        String(i.monthlyPrice),
        i.captationPeriod,
        seed.lastCheck === undefined || seed.lastCheck === null ? null : new Date(seed.lastCheck)
      ]
    )
    return rows[0]!.id
  })

export interface ChosenSeed {
  readonly offerId: string
  readonly sistema?: Sistema
  readonly endsOn?: string
}

/** The offers syncCourses would have chosen (option 1, 2 in the given order). */
export const insertCourses = (leadId: number, offers: ReadonlyArray<ChosenSeed>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    for (const [i, o] of offers.entries()) {
      yield* sql.unsafe(
        `INSERT INTO courses (subscription_id, option, offer_id, sistema, course_name, registration_ends_on, source)
         VALUES ($1, $2, $3, $4, 'ADMINISTRACAO', $5::date, '{}'::jsonb)`,
        [leadId, i + 1, o.offerId, o.sistema ?? "COLABORAR", o.endsOn ?? "2027-02-01"]
      )
    }
  })

/** A lead ready for register: to_register, with gender and its two offers. */
export const insertReadyLead = (seed: LeadSeed, offers: ReadonlyArray<ChosenSeed> = [
  { offerId: `offer-${seed.cpf}-1` },
  { offerId: `offer-${seed.cpf}-2` }
]) =>
  Effect.gen(function*() {
    const id = yield* insertLead({ status: "to_register", ...seed })
    yield* insertCourses(id, offers)
    return id
  })

/** What Kroton already told us about a lead (the inscription code register got). */
export const insertFollowUp = (leadId: number, inscriptionId: string | null, sistema: Sistema | null, source: unknown = {}) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe(
      `INSERT INTO follow_ups (subscription_id, kroton_subscription_id, kroton_subscription_dealer_id, source)
       VALUES ($1, $2, $3, $4::jsonb)`,
      [leadId, inscriptionId, sistema, JSON.stringify(source)]
    ))

/** An attempt whose outcome is unknown (a crash after the POST was sent). */
export const insertOpenAttempt = (leadId: number, runId = "crashed-run") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe<{ id: number }>(
      `INSERT INTO register_attempts (subscription_id, run_id, outcome) VALUES ($1, $2, 'unknown') RETURNING id::int AS id`,
      [leadId, runId]
    )).pipe(Effect.map((rows) => rows[0]!.id))

/** A catalog document matching `interest` (open until `endsOn`). */
export const offerFor = (interest: CourseInterest, id: string, endsOn: string, sistema: Sistema = "COLABORAR"): CatalogDocument => ({
  id,
  dsCurso: interest.courseName,
  dsTipoCurso: interest.courseType,
  dsModalidade: interest.modality,
  vlMensalidadeDe: interest.monthlyPrice,
  dtTerminoInscricao: endsOn,
  ativa: true,
  periodoCaptacao: interest.captationPeriod,
  sistema,
  idUnidadeOrigem: interest.unitId
})

/** One of Kroton's inscriptions for a CPF, with the given classification. */
export const inscription = (descricao: string, id = "INS-1", sistema: Sistema = "COLABORAR"): Inscription => ({
  id,
  classificacao: { descricao },
  curso: "ADMINISTRACAO",
  unidade: "Unidade 101",
  status: "SUCCESS",
  sistema
})

// --------------------------------------------------------------------------------------------- looking

export interface LeadRow {
  readonly id: number
  readonly status: Status
  readonly gender: string | null
  readonly genderSource: string | null
  readonly genderProbability: number | null
  readonly statusReason: string | null
  readonly lastCheck: number | null
  readonly sentAt: number | null
}

export const leadRow = (id: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe<LeadRow>(
      `SELECT id::int AS id, status, gender, gender_source, gender_probability::float8 AS gender_probability, status_reason,
              (extract(epoch FROM last_check) * 1000)::float8 AS last_check,
              (extract(epoch FROM sent_at) * 1000)::float8 AS sent_at
       FROM subscriptions WHERE id = $1`,
      [id]
    )).pipe(Effect.map((rows) => rows[0]!))

export const statusOf = (id: number) => Effect.map(leadRow(id), (r) => r.status)

export interface TransitionRow {
  readonly fromStatus: string | null
  readonly toStatus: string
  readonly reason: string
  readonly runId: string | null
  readonly step: string | null
}

/** The lead's transitions made by the actions (the import's are not seeded by insertLead). */
export const transitionsOf = (id: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe<TransitionRow>(
      `SELECT from_status, to_status, reason, run_id, step FROM lead_transitions WHERE subscription_id = $1 ORDER BY id`,
      [id]
    ))

export interface CourseRow {
  readonly option: number
  readonly offerId: string
  readonly sistema: string
  readonly registrationEndsOn: string | null
}

export const coursesOf = (id: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe<CourseRow>(
      `SELECT option::int AS option, offer_id, sistema, to_char(registration_ends_on, 'YYYY-MM-DD') AS registration_ends_on
       FROM courses WHERE subscription_id = $1 ORDER BY option`,
      [id]
    ))

export interface FollowUpRow {
  readonly krotonSubscriptionId: string | null
  readonly krotonSubscriptionDealerId: string | null
  readonly source: any
}

export const followUpOf = (id: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe<FollowUpRow>(
      `SELECT kroton_subscription_id, kroton_subscription_dealer_id, source FROM follow_ups WHERE subscription_id = $1`,
      [id]
    )).pipe(Effect.map((rows) => rows[0]))

export interface AttemptRow {
  readonly id: number
  readonly runId: string | null
  readonly outcome: string | null
  readonly httpStatus: number | null
  readonly response: any
  readonly finished: boolean
}

export const attemptsOf = (id: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe<AttemptRow>(
      `SELECT id::int AS id, run_id, outcome, http_status, response, finished_at IS NOT NULL AS finished
       FROM register_attempts WHERE subscription_id = $1 ORDER BY id`,
      [id]
    ))

/** Every row of every table of the test's schema, in a stable order (dry-run: nothing may change). */
export const dumpAllTables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const tables = yield* sql.unsafe<{ tableName: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
  )
  const dump: Record<string, ReadonlyArray<string>> = {}
  for (const { tableName } of tables) {
    const rows = yield* sql.unsafe(`SELECT * FROM ${tableName}`)
    dump[tableName] = rows.map((r) => JSON.stringify(r, (_, v) => typeof v === "bigint" ? v.toString() : v)).sort()
  }
  return dump
})

// --------------------------------------------------------------------------------------------- import files

export const csvHeader = [
  "name", "cpf", "email", "birthday", "gender", "area_code", "phone_number", "rg", "cep", "street", "number", "city",
  "state", "course_name", "course_type", "modality", "unit_id", "monthly_price", "captation_period"
] as const

export type CsvRow = Readonly<Partial<Record<(typeof csvHeader)[number], string>>> & { readonly cpf: string }

const quote = (v: string) => /[",\n\r]/.test(v) ? `"${v.replace(/"/g, "\"\"")}"` : v

let exportDir: string | undefined
let exports = 0
/** One temporary directory per test file (see `removeExports`). */
const exportDirectory = () => (exportDir ??= mkdtempSync(join(tmpdir(), "kroton-actions-")))

/** Removes the files `writeExport` wrote (call from afterAll). */
export const removeExports = () => {
  if (exportDir !== undefined) rmSync(exportDir, { recursive: true, force: true })
  exportDir = undefined
}

/** Writes a small export (CSV) in a temporary directory; unspecified columns get valid values. */
export const writeExport = (rows: ReadonlyArray<CsvRow>): string => {
  const file = join(exportDirectory(), `leads-${++exports}.csv`)
  const defaults = {
    name: "Maria Aparecida Souza",
    email: "maria@example.com",
    birthday: "1995-04-17",
    gender: "",
    area_code: "11",
    phone_number: "975405666",
    rg: "20000000",
    cep: "12243-740",
    street: "Rua Pedro de Toledo",
    number: "48",
    city: "São José dos Campos",
    state: "SP",
    course_name: interestA.courseName,
    course_type: interestA.courseType,
    modality: interestA.modality,
    unit_id: String(interestA.unitId),
    monthly_price: String(interestA.monthlyPrice),
    captation_period: String(interestA.captationPeriod)
  }
  const lines = rows.map((row) => csvHeader.map((c) => quote((row as Record<string, string | undefined>)[c] ?? (defaults as Record<string, string>)[c] ?? "")).join(","))
  writeFileSync(file, [csvHeader.join(","), ...lines].join("\n") + "\n")
  return file
}

/** The lead ids by CPF. */
export const idsByCpf = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql.unsafe<{ id: number; cpf: string }>(`SELECT id::int AS id, cpf FROM subscriptions WHERE cpf IS NOT NULL`)
  return new Map(rows.map((r) => [r.cpf, r.id] as const))
})
