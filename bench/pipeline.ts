// `npm run bench:pipeline`: the whole pipeline (allJobs) on the real PostgreSQL against the sandbox, which runs
// in its own process; the pipeline runs in a child process too, so that its peak RSS is its own.
//   1. throughput: 20,000 generated leads, every limit lifted (sandbox and budgets), per step leads/s;
//   2. budget: 300 new leads, the limit scaled down to 100 per 2 s (sandbox and budgets alike): Kroton calls
//      per registered lead, catalog calls per distinct search, budget utilization, 429s, max in any window.
// Options: --leads N (20000), --small N (300), --only throughput|budget, --batch B (ACTION_BATCH_SIZE, 1000),
// --kroton-batch B (KROTON_BATCH_SIZE; 1000 in 1, the default 16 in 2), --concurrency C (ACTION_CONCURRENCY; 64 in
// 1, the default 8 in 2),
// --spans (time per span name, printed by the child), --profile (CPU profile of the child under bench/out/prof),
// --select S (run that selection instead of allJobs), --keep (keep the schemas).
// TEST_DATABASE_URL overrides postgres://postgres@127.0.0.1:5432/test.
import { ConfigProvider, Effect, Layer, Logger, Redacted, Tracer } from "effect"
import { execFileSync, fork } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { importLeads } from "../src/actions/importLeads.ts"
import * as Database from "../src/db/Database.ts"
import { migrate } from "../src/db/Migrations.ts"
import { allJobsDag } from "../src/dag/allJobs.ts"
import { runDag } from "../src/dag/Runner.ts"
import type { RunSummary } from "../src/dag/Summary.ts"
import { pipeline } from "../src/layers.ts"
import { LeadStore } from "../src/services/LeadStore.ts"
import { writeLeadsFile } from "../scripts/generate-fixtures.ts"
import { maxInWindow } from "../src/sandbox/SlidingWindow.ts"
import type { CompactEntry, FromSandbox, SandboxUrls } from "./pipelineSandbox.ts"

const url = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const argText = (name: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? undefined : process.argv[i + 1]
}
const out = fileURLToPath(new URL("./out/", import.meta.url))
const psql = (command: string) =>
  execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-v", "ON_ERROR_STOP=1", "-qAtc", command], { encoding: "utf8" })
    .trim()

// --- the sandbox, in its own process ------------------------------------------------------------------------
interface SandboxProcess {
  readonly urls: SandboxUrls
  readonly log: () => Promise<{ log: ReadonlyArray<CompactEntry>; postsByCpf: ReadonlyArray<number>; cpuMs: number }>
  readonly close: () => Promise<void>
}

const startSandboxProcess = (limit: number, windowMs: number) =>
  new Promise<SandboxProcess>((resolve, reject) => {
    const child = fork(fileURLToPath(new URL("./pipelineSandbox.ts", import.meta.url)), [String(limit), String(windowMs)], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    let waiting: ((m: Extract<FromSandbox, { type: "log" }>) => void) | undefined
    child.on("error", reject)
    child.on("message", (m: FromSandbox) => {
      if (m.type === "ready") {
        resolve({
          urls: m.urls,
          log: () =>
            new Promise((done) => {
              waiting = done
              child.send({ type: "log" })
            }),
          close: () =>
            new Promise((done) => {
              child.once("exit", () => done())
              child.send({ type: "close" })
            })
        })
      } else if (waiting !== undefined) {
        const w = waiting
        waiting = undefined
        w(m)
      }
    })
  })

// --- the pipeline, in a child process ---------------------------------------------------------------------
interface ChildResult {
  readonly summary: RunSummary
  readonly wallMs: number
  readonly maxRssKb: number
  readonly cpuMs: number
  /** [epoch ms, CPU ms of the child so far], every 100 ms */
  readonly samples: ReadonlyArray<readonly [number, number]>
}

/** In the child: allJobs over `schema` with `env` as configuration; prints one line "RESULT {json}". */
const pipelineChild = async (schema: string, env: Record<string, string>) => {
  const db = Database.layerServer(Redacted.make(url), { searchPath: schema, maxConnections: 10 })
  const config = ConfigProvider.layerAdd(ConfigProvider.fromEnvRecord(env), { asPrimary: true })
  // the program's own wiring (undici client, budgets from the environment: "off" lifts them)
  const services = pipeline(db).pipe(Layer.provide(config))
  const started = performance.now()
  const samples: Array<readonly [number, number]> = []
  const sampler = setInterval(() => samples.push([Date.now(), cpuMs()]), 100)
  const spans = new Map<string, { count: number; ms: number }>()
  const program = runDag(allJobsDag, env["BENCH_SELECTION"] ?? "allJobs").pipe(Effect.provide(services), Effect.provide(Logger.layer([])))
  const summary = await Effect.runPromise(env["BENCH_SPANS"] === "1" ? Effect.withTracer(program, spanTotals(spans)) : program)
  const wallMs = performance.now() - started
  clearInterval(sampler)
  samples.push([Date.now(), cpuMs()])
  if (spans.size > 0) {
    console.error([...spans].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40)
      .map(([name, t]) => `${t.ms.toFixed(0).padStart(9)} ms ${String(t.count).padStart(7)}x ${(t.ms / t.count).toFixed(2).padStart(8)} ms  ${name}`).join("\n"))
  }
  console.log(`RESULT ${JSON.stringify({ summary, wallMs, maxRssKb: process.resourceUsage().maxRSS, cpuMs: cpuMs(), samples } satisfies ChildResult)}`)
}

const cpuMs = () => {
  const u = process.resourceUsage()
  return (u.userCPUTime + u.systemCPUTime) / 1000
}

/** --spans: the time spent in each span name (summed, so concurrent spans add up), printed by the child. */
const spanTotals = (totals: Map<string, { count: number; ms: number }>) =>
  Tracer.make({
    span: (options) => {
      const span = new Tracer.NativeSpan(options)
      const end = span.end.bind(span)
      span.end = (endTime, exit) => {
        end(endTime, exit)
        const queue = span.attributes.get("queue")
        const key = queue === undefined ? options.name : `${options.name} ${String(queue)}`
        const t = totals.get(key) ?? { count: 0, ms: 0 }
        t.count++
        t.ms += Number(endTime - options.startTime) / 1e6
        totals.set(key, t)
      }
      return span
    }
  })


const runPipelineProcess = (schema: string, env: Record<string, string>, profile: boolean) =>
  new Promise<ChildResult>((resolve, reject) => {
    const execArgv = ["--import", "tsx", ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${out}prof`] : [])]
    const child = fork(fileURLToPath(import.meta.url), ["child", schema, JSON.stringify(env)], {
      execArgv,
      stdio: ["ignore", "pipe", "inherit", "ipc"]
    })
    let stdout = ""
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()))
    child.on("error", reject)
    child.on("exit", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith("RESULT "))
      if (code === 0 && line !== undefined) resolve(JSON.parse(line.slice(7)) as ChildResult)
      else reject(new Error(`pipeline child exited ${code}:\n${stdout.slice(-4000)}`))
    })
  })

// --- a fresh schema with imported leads -----------------------------------------------------------------------
const prepare = async (tag: string, rows: number, seed: number) => {
  mkdirSync(out, { recursive: true })
  const file = `${out}pipeline-${rows}-${seed}.csv`
  if (!existsSync(file)) await writeLeadsFile(file, { rows, seed })
  const schema = `bench_pipeline_${tag}_${Date.now().toString(36)}`
  psql(`CREATE SCHEMA ${schema}`)
  const db = Database.layerServer(Redacted.make(url), { searchPath: schema, maxConnections: 2 })
  const t = performance.now()
  const report = await Effect.runPromise(
    migrate.pipe(
      Effect.andThen(importLeads(file)),
      Effect.provide(LeadStore.layer.pipe(Layer.provideMerge(db))),
      Effect.provide(Logger.layer([]))
    )
  )
  console.log(`${tag}: imported ${report.inserted} leads (${report.invalid} invalid) into ${schema} in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  return schema
}

/** CPU time of every postgres process so far (ms), from /proc: utime + stime of the live ones. */
const postgresCpuMs = () => {
  const tick = 100 // USER_HZ on Linux
  let total = 0
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
      if (!name.startsWith("postgres")) continue
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      // fields[11..14] = utime, stime, cutime, cstime (counted from field 3)
      total += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])
    } catch {
      // the process ended meanwhile
    }
  }
  return (total * 1000) / tick
}

const dropSchema = (schema: string) => process.argv.includes("--keep") ? console.log(`kept schema ${schema}`) : psql(`SET client_min_messages TO warning; DROP SCHEMA ${schema} CASCADE`)

const pipelineEnv = (urls: SandboxUrls, limits: string, tuning: Record<string, string>): Record<string, string> => ({
  KROTON_API_URL: urls.krotonUrl,
  KROTON_CLIENT_ID: urls.clientId,
  KROTON_CLIENT_SECRET: urls.clientSecret,
  KROTON_SCOPE: urls.scope,
  OFFER_CATALOG_URL: urls.catalogUrl,
  IBGE_NAMES_URL: urls.ibgeNamesUrl,
  SLACK_WEBHOOK_URL: urls.slackWebhookUrl,
  KROTON_RATE_LIMIT: limits,
  OFFER_CATALOG_RATE_LIMIT: limits,
  IBGE_RATE_LIMIT: limits,
  DAG_PROGRESS_INTERVAL: "10 minutes",
  ...(process.argv.includes("--spans") ? { BENCH_SPANS: "1" } : {}),
  ...(argText("select") === undefined ? {} : { BENCH_SELECTION: argText("select")! }),
  ...tuning
})

/** Leads a step handled: every outcome counts one lead, except the catalog searches of syncCourses. */
const leadsOf = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts).reduce((sum, [k, v]) => (k === "catalog_searches" ? sum : sum + v), 0)

const pad = (s: string | number, n: number) => String(s).padStart(n)
const padEnd = (s: string | number, n: number) => String(s).padEnd(n)

/**
 * CPU seconds of the pipeline process per step: each 100 ms sample's CPU is split between the steps running then
 * (fixData and syncCourses overlap). leads / CPU second is the rate a step would reach with a core of its own,
 * whatever else the machine runs: the figure that says whether the program is the bottleneck.
 */
const stepCpu = (schema: string, result: ChildResult): ReadonlyMap<string, number> => {
  const spans = psql(`SELECT node, (extract(epoch FROM started_at) * 1000)::bigint, (extract(epoch FROM finished_at) * 1000)::bigint
    FROM ${schema}.run_steps WHERE run_id = '${result.summary.runId}' AND started_at IS NOT NULL AND finished_at IS NOT NULL`)
    .split("\n").filter((l) => l.length > 0).map((l) => l.split("|")).map(([node, from, to]) => ({ node: node!, from: Number(from), to: Number(to) }))
  const cpu = new Map<string, number>()
  for (let i = 1; i < result.samples.length; i++) {
    const [t0, c0] = result.samples[i - 1]!
    const [t1, c1] = result.samples[i]!
    const running = spans.filter((s) => s.from < t1 && s.to > t0)
    for (const s of running) cpu.set(s.node, (cpu.get(s.node) ?? 0) + (c1 - c0) / running.length)
  }
  return cpu
}

const stepTable = (summary: RunSummary, cpu: ReadonlyMap<string, number> = new Map()) => {
  const lines = [`${padEnd("step", 12)} ${pad("leads", 7)} ${pad("seconds", 8)} ${pad("leads/s", 9)} ${pad("CPU s", 7)} ${pad("leads/CPU s", 12)}  outcomes`]
  for (const s of summary.steps) {
    const leads = leadsOf(s.counts)
    const seconds = (s.durationMs ?? 0) / 1000
    const cpuSeconds = (cpu.get(s.node) ?? 0) / 1000
    lines.push(
      `${padEnd(s.node, 12)} ${pad(leads, 7)} ${pad(seconds.toFixed(2), 8)} ${pad(seconds > 0 ? Math.round(leads / seconds) : "-", 9)} ` +
        `${pad(cpuSeconds.toFixed(2), 7)} ${pad(cpuSeconds > 0 && leads > 0 ? Math.round(leads / cpuSeconds) : "-", 12)}  ` +
        `${s.status}: ${Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(", ")}`
    )
  }
  return lines.join("\n")
}

const byRoute = (log: ReadonlyArray<CompactEntry>, upstream: string) => {
  const counts: Record<string, number> = {}
  for (const [u, route] of log) if (u === upstream) counts[route] = (counts[route] ?? 0) + 1
  return counts
}

const perWindow = (times: ReadonlyArray<number>, first: number, windowMs: number) => {
  const counts: Array<number> = []
  for (const t of times) {
    const k = Math.floor((t - first) / windowMs)
    while (counts.length <= k) counts.push(0)
    counts[k]!++
  }
  return counts
}

/** Pauses longer than `min` ms between consecutive requests: "+start ms: length ms". */
const pausesOf = (times: ReadonlyArray<number>, first: number, min: number) => {
  const sorted = [...times].sort((a, b) => a - b)
  const pauses: Array<string> = []
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i]! - sorted[i - 1]!
    if (gap > min) pauses.push(`+${sorted[i - 1]! - first} ms: ${gap} ms`)
  }
  return pauses
}

const tuningFromArgs = (defaults: { batch: number; krotonBatch: number; concurrency: number }) => ({
  ACTION_BATCH_SIZE: String(arg("batch", defaults.batch)),
  KROTON_BATCH_SIZE: String(arg("kroton-batch", defaults.krotonBatch)),
  ACTION_CONCURRENCY: String(arg("concurrency", defaults.concurrency))
})

// --- 1. throughput --------------------------------------------------------------------------------------------
const throughput = async () => {
  const leads = arg("leads", 20_000)
  const schema = await prepare("throughput", leads, 7)
  const sandbox = await startSandboxProcess(1_000_000_000, 300_000)
  try {
    const tuning = tuningFromArgs({ batch: 1000, krotonBatch: 1000, concurrency: 64 })
    const env = pipelineEnv(sandbox.urls, "off", tuning)
    const pgCpuBefore = postgresCpuMs()
    const result = await runPipelineProcess(schema, env, process.argv.includes("--profile"))
    const { cpuMs: sandboxCpuMs, log } = await sandbox.log()
    const pgCpu = postgresCpuMs() - pgCpuBefore
    // the checker had nothing to do above (no lead was ready when it started): a second run, a day later, in
    // which every registered or awaiting lead is due again (CHECK_INTERVAL=0), measures it
    const checkerRun = argText("select") === undefined
      ? await runPipelineProcess(schema, { ...env, CHECK_INTERVAL: "0 seconds", BENCH_SELECTION: "checker" }, false)
      : undefined
    console.log(`\n== 1. throughput: ${leads} leads, limits off, ${Object.entries(tuning).map(([k, v]) => `${k}=${v}`).join(" ")}`)
    const cpu = stepCpu(schema, result)
    const checkerCpu = checkerRun === undefined ? new Map<string, number>() : stepCpu(schema, checkerRun)
    console.log(stepTable(result.summary, cpu))
    console.log(`allJobs wall ${(result.wallMs / 1000).toFixed(2)} s; pipeline peak RSS ${(result.maxRssKb / 1024).toFixed(0)} MB`)
    if (checkerRun !== undefined) {
      console.log(`then checker alone, CHECK_INTERVAL=0 (every registered/awaiting lead due): peak RSS ${(checkerRun.maxRssKb / 1024).toFixed(0)} MB`)
      console.log(stepTable(checkerRun.summary, checkerCpu).split("\n").slice(1).join("\n"))
    }
    console.log(`CPU seconds: pipeline process ${(result.cpuMs / 1000).toFixed(1)}, sandbox process ${(sandboxCpuMs / 1000).toFixed(1)}, PostgreSQL ${(pgCpu / 1000).toFixed(1)} (of ${(2 * result.wallMs / 1000).toFixed(1)} on 2 cores)`)
    console.log(`sandbox requests: kroton ${JSON.stringify(byRoute(log, "kroton"))}, catalog ${JSON.stringify(byRoute(log, "catalog"))}, ibge ${JSON.stringify(byRoute(log, "ibge"))}`)
    return { result, checkerRun, leads, stepCpu: new Map([...cpu, ...[...checkerCpu].map(([k, v]) => [`${k}*`, v] as const)]), cpu: { pipeline: result.cpuMs, sandbox: sandboxCpuMs, postgres: pgCpu } }
  } finally {
    await sandbox.close()
    dropSchema(schema)
  }
}

// --- 2. the budget, scaled down ---------------------------------------------------------------------------------
const budget = async () => {
  const leads = arg("small", 300)
  const limit = 100
  const windowMs = 2000
  const schema = await prepare("budget", leads, 11)
  const sandbox = await startSandboxProcess(limit, windowMs)
  try {
    const tuning = tuningFromArgs({ batch: 1000, krotonBatch: 16, concurrency: 8 })
    const env = pipelineEnv(sandbox.urls, `${limit}/${windowMs}ms`, tuning)
    const result = await runPipelineProcess(schema, env, false)
    const { log, postsByCpf } = await sandbox.log()
    const kroton = log.filter(([u]) => u === "kroton")
    const routes = byRoute(log, "kroton")
    const accepted = kroton.filter((e) => e[4] === 1)
    const posts = kroton.filter(([, route, status]) => route === "register" && (status === 200 || status === 201)).length
    const searches = Number(psql(`SELECT count(DISTINCT (course_name, course_type, modality, unit_id, monthly_price, captation_period))
      FROM ${schema}.subscriptions WHERE status <> 'invalid_data'`))
    const statuses = psql(`SELECT status || ' ' || count(*) FROM ${schema}.subscriptions GROUP BY status ORDER BY status`).split("\n").join(", ")
    const first = Math.min(...kroton.map((e) => e[3]))
    const last = Math.max(...kroton.map((e) => e[3]))
    const busy = last - first
    const perLead = (n: number) => (posts > 0 ? (n / posts).toFixed(2) : "-")
    const checkAndPost = (routes["inscriptionsByCpf"] ?? 0) + (routes["matriculasByCpf"] ?? 0) + (routes["register"] ?? 0)
    const figures = {
      leads,
      registered: posts,
      statuses,
      krotonRequests: kroton.length,
      krotonByRoute: routes,
      krotonCallsPerRegisteredLead: perLead(checkAndPost),
      // a new lead (unknown at Kroton): asked by CPF (2 calls) by register or checker, then posted (1 call)
      byCpfCallsPerAskedLead: ((routes["inscriptionsByCpf"] ?? 0) + (routes["matriculasByCpf"] ?? 0)) / Math.max(1, routes["inscriptionsByCpf"] ?? 0),
      postsPerPostedLead: kroton.filter(([, route, , , ok]) => route === "register" && ok === 1).length / Math.max(1, postsByCpf.length),
      followUpCallsPerRegisteredLead: perLead(routes["inscriptionByCode"] ?? 0),
      tokenRequests: routes["token"] ?? 0,
      catalogCalls: byRoute(log, "catalog")["search"] ?? 0,
      distinctSearches: searches,
      ibgeCalls: byRoute(log, "ibge")["names"] ?? 0,
      "429s": log.filter((e) => e[2] === 429).length,
      maxInAnyWindow: maxInWindow(accepted.map((e) => e[3]), windowMs),
      busySeconds: busy / 1000,
      utilization: accepted.length / (limit * busy / windowMs),
      utilizationStrict: accepted.length / (limit * (busy + windowMs) / windowMs),
      postedTwice: postsByCpf.filter((n) => n > 1).length,
      // accepted requests in consecutive windows from the first request: L in each but the last means the budget
      // was spent whole (the sliding window makes bursts: L at a window's start, then a pause)
      acceptedPerWindow: perWindow(accepted.map((e) => e[3]), first, windowMs),
      // where the budget went unused: pauses between two Kroton requests longer than 10% of the window
      pauses: pausesOf(kroton.map((e) => e[3]), first, windowMs / 10)
    }
    console.log(`\n== 2. budget: ${leads} new leads, ${limit} requests per ${windowMs} ms (sandbox and budgets), ${Object.entries(tuning).map(([k, v]) => `${k}=${v}`).join(" ")}`)
    console.log(stepTable(result.summary, stepCpu(schema, result)))
    console.log(`allJobs wall ${(result.wallMs / 1000).toFixed(2)} s; pipeline peak RSS ${(result.maxRssKb / 1024).toFixed(0)} MB`)
    console.log(JSON.stringify({ ...figures, acceptedPerWindow: figures.acceptedPerWindow.join(" "), pauses: figures.pauses.join(", ") }, null, 1))
    return { result, figures, limit, windowMs }
  } finally {
    await sandbox.close()
    dropSchema(schema)
  }
}

const main = async () => {
  const only = argText("only")
  const one = only === "budget" ? undefined : await throughput()
  const two = only === "throughput" ? undefined : await budget()
  console.log("\n== summary")
  if (one !== undefined) {
    console.log(`throughput (${one.leads} leads, limits off; target >= 1,000 leads/s per step)`)
    const row = (name: string, counts: Readonly<Record<string, number>>, durationMs: number | undefined, note = "") => {
      const leads = leadsOf(counts)
      const seconds = (durationMs ?? 0) / 1000
      const cpuSeconds = (one.stepCpu.get(name) ?? 0) / 1000
      console.log(`  ${padEnd(name, 12)} ${pad(leads, 6)} leads ${pad(seconds.toFixed(2), 7)} s ${pad(seconds > 0 ? Math.round(leads / seconds) : "-", 7)} leads/s ` +
        `${pad(cpuSeconds.toFixed(2), 6)} CPU s ${pad(cpuSeconds > 0 && leads > 0 ? Math.round(leads / cpuSeconds) : "-", 7)} leads/CPU s${note}`)
    }
    for (const s of one.result.summary.steps) row(s.node, s.counts, s.durationMs)
    for (const s of one.checkerRun?.summary.steps ?? []) row(`${s.node}*`, s.counts, s.durationMs, "  (* second run: follow-ups due)")
    console.log(`  peak RSS of the pipeline process: ${(Math.max(one.result.maxRssKb, one.checkerRun?.maxRssKb ?? 0) / 1024).toFixed(0)} MB`)
    console.log(`  CPU seconds during allJobs: pipeline ${(one.cpu.pipeline / 1000).toFixed(1)}, sandbox ${(one.cpu.sandbox / 1000).toFixed(1)}, PostgreSQL ${(one.cpu.postgres / 1000).toFixed(1)} (all clients), wall ${(one.result.wallMs / 1000).toFixed(1)} s`)
  }
  if (two !== undefined) {
    const f = two.figures
    console.log(`budget (${f.leads} new leads, ${two.limit} per ${two.windowMs} ms)`)
    console.log(`  Kroton calls per registered lead (check + POST) ${pad(f.krotonCallsPerRegisteredLead, 6)}   target <= 3`)
    console.log(`  of which, per new lead: by CPF ${f.byCpfCallsPerAskedLead.toFixed(2)} + POST ${f.postsPerPostedLead.toFixed(2)} = ${(f.byCpfCallsPerAskedLead + f.postsPerPostedLead).toFixed(2)}   (the rest: CPFs Kroton knew, asked but never posted)`)
    console.log(`  follow-up calls per registered lead            ${pad(f.followUpCallsPerRegisteredLead, 6)}   (by code, separately)`)
    console.log(`  token requests                                 ${pad(f.tokenRequests, 6)}`)
    console.log(`  catalog calls per distinct search              ${pad((f.catalogCalls / Math.max(1, f.distinctSearches)).toFixed(2), 6)}   target 1 (${f.catalogCalls} / ${f.distinctSearches})`)
    console.log(`  budget utilization                             ${pad(f.utilization.toFixed(3), 6)}   target >= 0.95 (strict, last window counted busy: ${f.utilizationStrict.toFixed(3)})`)
    console.log(`  accepted per ${two.windowMs} ms window                  ${f.acceptedPerWindow.join(" ")}`)
    console.log(`  429s                                           ${pad(f["429s"], 6)}   target 0`)
    console.log(`  max in any window                              ${pad(f.maxInAnyWindow, 6)}   limit ${two.limit}`)
    console.log(`  CPFs posted twice                              ${pad(f.postedTwice, 6)}   must be 0`)
  }
}

if (process.argv[2] === "child") {
  await pipelineChild(process.argv[3]!, JSON.parse(process.argv[4]!) as Record<string, string>)
  process.exit(0)
} else {
  await main()
}
