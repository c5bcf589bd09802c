// End-to-end helpers: a fresh PostgreSQL schema reachable by child processes (DATABASE_URL with a search_path
// option), the HTTP sandbox on loopback with a short window, the pipeline wired in-process, the CLI as a child
// process, bounded polls on observable conditions, and the expected fate of every lead of the sample export,
// derived from the fixtures and the sandbox's deterministic rules.
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "csv-parse/sync"
import { ConfigProvider, Effect, Layer, Redacted, type Scope } from "effect"
import { SqlClient } from "effect/sql"
import { dateInSaoPaulo } from "../../src/actions/today.ts"
import * as Database from "../../src/db/Database.ts"
import { migrate } from "../../src/db/Migrations.ts"
import { firstName } from "../../src/domain/FirstName.ts"
import { brazilToday, validateRow } from "../../src/domain/LeadRules.ts"
import type { Status } from "../../src/domain/Status.ts"
import { pipeline } from "../../src/layers.ts"
import { acquireSandbox, clientEnvironment, destinyFor, registerOutcomeFor, type SandboxHandle, type SandboxOptions } from "../../src/sandbox/Sandbox.ts"
import { loadWorld } from "../../src/sandbox/Fixtures.ts"
import { decide, loadCensusTable } from "../../src/services/GenderCensus.ts"
import { testDatabaseUrl } from "../support/database.ts"

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url))
export const sampleExport = fileURLToPath(new URL("../../fixtures/leads.csv", import.meta.url))
const courseInterestsPath = fileURLToPath(new URL("../../fixtures/course-interests.json", import.meta.url))

// ------------------------------------------------------------------------------------------------ database

export interface E2eSchema {
  readonly name: string
  /** DATABASE_URL for a child process: the schema through the startup option search_path */
  readonly url: string
}

let counter = 0

const admin = (statement: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
    Effect.provide(Database.layerServer(Redacted.make(testDatabaseUrl), { maxConnections: 1 })),
    Effect.orDie
  )

/** A new migrated schema on the test server, dropped when the scope closes. */
export const acquireSchema: Effect.Effect<E2eSchema, never, Scope.Scope> = Effect.gen(function*() {
  const name = `e2e_${process.pid}_${Date.now().toString(36)}_${(counter++).toString(36)}`
  yield* Effect.acquireRelease(admin(`CREATE SCHEMA ${name}`), () => admin(`DROP SCHEMA ${name} CASCADE`))
  const url = `${testDatabaseUrl}${testDatabaseUrl.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${name}`)}`
  yield* migrate.pipe(Effect.provide(databaseOf({ name, url })), Effect.orDie)
  return { name, url }
})

/** A connection pool on the schema (small: several pipelines may run at once in one test). */
export const databaseOf = (schema: E2eSchema, maxConnections = 4) =>
  Database.layerServer(Redacted.make(testDatabaseUrl), { searchPath: schema.name, maxConnections })

/** Runs one query on the schema. */
export const query = <A = Record<string, unknown>>(schema: E2eSchema, statement: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<A & object>(statement)).pipe(
    Effect.provide(databaseOf(schema, 1)),
    Effect.orDie
  ) as Effect.Effect<ReadonlyArray<A>>

// ------------------------------------------------------------------------------------------------ sandbox

export interface Window {
  readonly limit: number
  readonly windowMs: number
}

export const defaultWindow: Window = { limit: 100, windowMs: 2000 }

/** The sandbox on loopback, on the client's calendar; inscriptions settle only when the day moves on. */
export const acquireE2eSandbox = (window: Window = defaultWindow, options: SandboxOptions = {}) =>
  acquireSandbox({
    rateLimit: window,
    today: dateInSaoPaulo(Date.now()),
    pollsToSettle: 1_000_000,
    ...options
  })

/** The environment of the program against the sandbox (the same window on our side). */
export const sandboxEnv = (sandbox: SandboxHandle, window: Window = defaultWindow): Record<string, string> => ({
  ...clientEnvironment(sandbox),
  KROTON_RATE_LIMIT: `${window.limit}/${window.windowMs}ms`,
  OFFER_CATALOG_RATE_LIMIT: `${window.limit}/${window.windowMs}ms`,
  IBGE_RATE_LIMIT: `${window.limit}/${window.windowMs}ms`,
  CHECK_INTERVAL: "0 seconds",
  DAG_PROGRESS_INTERVAL: "1 hour",
  IMPORT_WORKER: "false"
})

/** Every service of the pipeline, live, on the schema, configured by `env` first. */
export const pipelineOn = (schema: E2eSchema, env: Record<string, string>) =>
  pipeline(databaseOf(schema)).pipe(Layer.provide(ConfigProvider.layerAdd(ConfigProvider.fromEnvRecord(env), { asPrimary: true })))

// ------------------------------------------------------------------------------------------------ child processes

export interface Finished {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface Child {
  readonly process: ChildProcess
  readonly exited: Promise<Finished>
  readonly stdout: () => string
  readonly stderr: () => string
}

/** `src/main.ts <args>` under this Node (24) with tsx, on the schema, against the sandbox. */
export const spawnCli = (args: ReadonlyArray<string>, env: Record<string, string>): Child => {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString("utf8")))
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString("utf8")))
  const exited = new Promise<Finished>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  )
  return { process: child, exited, stdout: () => stdout, stderr: () => stderr }
}

/** The child, killed (by its own pid) if the scope closes before it ended. */
export const acquireCli = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.acquireRelease(Effect.sync(() => spawnCli(args, env)), (child) =>
    Effect.promise(async () => {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill("SIGKILL")
        await child.exited
      }
    }))

export const awaitExit = (child: Child) => Effect.promise(() => child.exited)

/** Polls `condition` every `everyMs` until it holds; fails (with `what`) after `timeoutMs`. */
export const waitUntil = <E, R>(
  what: string,
  condition: Effect.Effect<boolean, E, R>,
  timeoutMs = 20_000,
  everyMs = 50
): Effect.Effect<void, E | Error, R> =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    while (!(yield* condition)) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`timed out waiting for ${what}`))
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, everyMs)))
    }
  })

// ------------------------------------------------------------------------------------------------ observations

export interface LeadRow {
  readonly id: number
  readonly cpf: string | null
  readonly status: Status
  readonly email: string | null
  readonly areaCode: string | null
  readonly phoneNumber: string | null
}

export const leads = (schema: E2eSchema) =>
  query<LeadRow>(schema, "SELECT id::float8 AS id, cpf, status, email, area_code, phone_number FROM subscriptions ORDER BY id")

export const statusByCpf = (rows: ReadonlyArray<LeadRow>): Map<string, Status> =>
  new Map(rows.flatMap((r) => (r.cpf === null ? [] : [[r.cpf, r.status] as const])))

export const openAttempts = (schema: E2eSchema) =>
  Effect.map(query<{ n: number }>(schema, "SELECT count(*)::int AS n FROM register_attempts WHERE finished_at IS NULL"), (r) => r[0]!.n)

/** CPFs (11 digits) with an attempt closed as reconciled (outcome learnt by CPF, not from the POST's answer). */
export const reconciledCpfs = (schema: E2eSchema) =>
  Effect.map(
    query<{ cpf: string }>(
      schema,
      "SELECT DISTINCT s.cpf FROM register_attempts a JOIN subscriptions s ON s.id = a.subscription_id WHERE a.outcome = 'reconciled'"
    ),
    (rows) => new Set(rows.map((r) => r.cpf))
  )

/** Register POSTs per CPF that reached Kroton, and inscriptions Kroton created per CPF through register. */
export const postsAndInscriptions = (sandbox: SandboxHandle) => {
  const inscriptions = new Map<string, number>()
  for (const r of sandbox.inscriptions()) {
    if (r.origin === "register") inscriptions.set(r.cpf, (inscriptions.get(r.cpf) ?? 0) + 1)
  }
  return { posts: sandbox.postsByCpf(), inscriptions }
}

export const duplicates = (counts: ReadonlyMap<string, number>) => [...counts.entries()].filter(([, n]) => n > 1)

// ------------------------------------------------------------------------------------------------ expectation

export interface ExpectedLead {
  readonly key: string
  readonly cpf: string | undefined
  readonly valid: boolean
  /** after one allJobs with the sandbox answering normally */
  readonly afterRun: Status
  /** register posts it (Kroton does not know it, two offers, a gender) */
  readonly posted: boolean
  /** after the sandbox's day moves on and the checker runs */
  readonly afterDay: Status
}

// The spec's classification table (follow_ups), written out here again rather than imported from the code under test.
const classification: Readonly<Record<string, Status>> = {
  "Aluno": "enrolled",
  "Convocado": "enrolled",
  "Classificado": "registered",
  "Inscrito": "registered",
  "Itinerante": "registered",
  "Inscrito VG Online": "registered",
  "Ausente": "dropped",
  "Desclassificado": "dropped"
}

interface Interest {
  readonly courseName: string
  readonly courseType: string
  readonly modality: string
  readonly unitId: number
  readonly monthlyPrice: number
  readonly offers: number
}

/** The fate of every row of the sample export, keyed by CPF (or by line, for a row without a usable CPF). */
export const expectedSample = (): ReadonlyArray<ExpectedLead> => {
  const interests = (JSON.parse(readFileSync(courseInterestsPath, "utf8")) as {
    captationPeriod: number
    interests: ReadonlyArray<Interest>
  })
  const world = loadWorld().byCpf
  const census = loadCensusTable()
  const rows = parse(readFileSync(sampleExport, "utf8"), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>
  const today = brazilToday(Date.now())
  const byKey = new Map<string, ExpectedLead>()
  rows.forEach((row, i) => {
    const v = validateRow(row, today)
    if (v._tag === "Invalid") {
      const key = v.cpf ?? `line ${i + 2}`
      byKey.delete(key) // a later line of the same CPF wins
      byKey.set(key, { key, cpf: v.cpf, valid: false, afterRun: "invalid_data", posted: false, afterDay: "invalid_data" })
      return
    }
    const lead = v.lead
    const interest = interests.interests.find((x) =>
      x.courseName === lead.courseName && x.courseType === lead.courseType && x.modality === lead.modality &&
      x.unitId === lead.unitId && x.monthlyPrice === Number(lead.monthlyPrice) && interests.captationPeriod === lead.captationPeriod
    )
    const gender = lead.gender ?? decide(firstName(lead.name), census.get(firstName(lead.name)), 0.9, "table").gender
    const known = world[lead.cpf]
    let afterRun: Status
    let afterDay: Status
    let posted = false
    if ((interest?.offers ?? 0) < 2) afterRun = afterDay = "empty_course"
    else if (gender === undefined) afterRun = afterDay = "to_register"
    else if (known !== undefined) {
      const statuses = (known.inscricoes ?? []).map((x) => classification[x.classificacao.descricao] ?? "registered")
      const active = (known.matriculas ?? []).some((m) => m.status === "ATIVA")
      afterRun = afterDay = active
        ? "enrolled"
        : (["enrolled", "registered", "dropped"] as const).find((s) => statuses.includes(s)) ?? "registered"
    } else {
      posted = true
      const outcome = registerOutcomeFor(lead.cpf)
      if (outcome.initial === "SUCCESS") {
        afterRun = "registered"
        const destiny = destinyFor(lead.cpf)
        afterDay = destiny.matricula ? "enrolled" : destiny.classificacao === undefined ? "registered" : classification[destiny.classificacao]!
      } else {
        afterRun = "awaiting_register"
        afterDay = outcome.settlesTo === "SUCCESS" ? "registered" : "failed"
      }
    }
    byKey.delete(lead.cpf)
    byKey.set(lead.cpf, { key: lead.cpf, cpf: lead.cpf, valid: true, afterRun, posted, afterDay })
  })
  return [...byKey.values()]
}

/** What the database says against what was expected: one line per lead that differs (empty when all agree). */
export const compareStatuses = (
  expected: ReadonlyArray<ExpectedLead>,
  rows: ReadonlyArray<LeadRow>,
  pick: (e: ExpectedLead) => Status,
  alsoAllowed: (e: ExpectedLead, actual: Status) => boolean = () => false
): ReadonlyArray<string> => {
  const actual = statusByCpf(rows)
  const problems: Array<string> = []
  for (const e of expected) {
    if (e.cpf === undefined) continue
    const got = actual.get(e.cpf)
    if (got !== pick(e) && !(got !== undefined && alsoAllowed(e, got))) {
      problems.push(`${e.cpf}: expected ${pick(e)}, got ${got ?? "no row"}`)
    }
  }
  const invalidWithoutCpf = expected.filter((e) => e.cpf === undefined).length
  const rowsWithoutCpf = rows.filter((r) => r.cpf === null)
  if (rowsWithoutCpf.length !== invalidWithoutCpf || rowsWithoutCpf.some((r) => r.status !== "invalid_data")) {
    problems.push(`rows without CPF: expected ${invalidWithoutCpf} invalid_data, got ${rowsWithoutCpf.map((r) => r.status).join(",")}`)
  }
  if (rows.length !== expected.length) problems.push(`expected ${expected.length} leads, found ${rows.length}`)
  return problems
}
