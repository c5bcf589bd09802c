// The shared rate budget under load: 2,000 Kroton calls through the live KrotonApi and the PostgreSQL
// RateBudget against the sandbox (50 requests per 2 s sliding window), first in one process, then split
// between two processes sharing the database and the sandbox. Figures come from the sandbox's own log.
//   npm run bench:budget            (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test)
//   BENCH_CALLS=400 npm run bench:budget   (a shorter run)
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Duration, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { FetchHttpClient } from "effect/http"
import * as Database from "../src/db/Database.ts"
import { migrate } from "../src/db/Migrations.ts"
import { type SandboxHandle, startSandbox } from "../src/sandbox/Sandbox.ts"
import { KrotonApi } from "../src/services/KrotonApi.ts"
import { RateBudget } from "../src/services/RateBudget.ts"

const url = process.env["TEST_DATABASE_URL"] ?? process.env["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"
const limit = 50
const windowMs = 2000
const calls = Number(process.env["BENCH_CALLS"] ?? 2000)
const concurrency = 200

const randomCpf = () => String(Math.floor(Math.random() * 1e11)).padStart(11, "0")

const admin = (statement: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
    Effect.provide(Database.layerServer(Redacted.make(url), { maxConnections: 1 })),
    Effect.orDie
  )

/** A fresh migrated schema, named for this run. */
const freshSchema = (tag: string) =>
  Effect.gen(function*() {
    const schema = `bench_budget_${process.pid}_${tag}`
    yield* admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    yield* admin(`CREATE SCHEMA ${schema}`)
    yield* migrate.pipe(Effect.provide(Database.layerServer(Redacted.make(url), { searchPath: schema, maxConnections: 1 })), Effect.orDie)
    return schema
  })

/** `n` lookups through the live client and the PostgreSQL budget on `schema`. */
const work = (schema: string, krotonUrl: string, n: number) =>
  Effect.gen(function*() {
    const kroton = yield* KrotonApi
    const failures = yield* Effect.forEach(
      Array.from({ length: n }, randomCpf),
      (cpf) => kroton.inscriptionsByCpf(cpf).pipe(Effect.as(0), Effect.catch(() => Effect.succeed(1))),
      { concurrency }
    )
    return failures.reduce((a, b) => a + b, 0)
  }).pipe(
    Effect.provide(
      KrotonApi.layerWith({
        baseUrl: krotonUrl,
        clientId: "kroton-leads",
        clientSecret: Redacted.make("sandbox-secret"),
        scope: "inscricao",
        timeout: Duration.seconds(15),
        maxAttempts: 4
      }).pipe(
        Layer.provideMerge(RateBudget.layerWith({ limits: { kroton: { limit, window: Duration.millis(windowMs) }, catalog: "off", ibge: "off" } })),
        Layer.provide(Database.layerServer(Redacted.make(url), { searchPath: schema, maxConnections: 4 })),
        Layer.provide(FetchHttpClient.layer)
      )
    )
  )

const figures = (sandbox: SandboxHandle) => {
  const log = sandbox.log().filter((e) => e.upstream === "kroton")
  if (process.env["BENCH_DEBUG"]) {
    const acc = log.filter((e) => e.accepted).map((e) => e.at)
    const t0 = log[0]!.at
    for (const e of log.filter((x) => x.status === 429)) {
      const before = acc.filter((a) => a <= e.at && a > e.at - windowMs)
      console.error(`429 at +${e.at - t0}ms; accepted in its window: ${before.length}; oldest at +${before[0]! - t0}ms (${e.at - before[0]!}ms before)`)
    }
    const byWindow = new Map<number, number>()
    for (const a of acc) byWindow.set(Math.floor((a - t0) / 100), (byWindow.get(Math.floor((a - t0) / 100)) ?? 0) + 1)
    console.error([...byWindow.entries()].slice(0, 30).map(([k, v]) => `${k * 100}:${v}`).join(" "))
  }
  const accepted = log.filter((e) => e.accepted)
  const first = Math.min(...log.map((e) => e.at))
  const last = Math.max(...log.map((e) => e.at))
  const busy = last - first
  return {
    requests: log.length,
    accepted: accepted.length,
    tokenRequests: log.filter((e) => e.route === "token").length,
    "429s": log.filter((e) => e.status === 429).length,
    maxInAnyWindow: sandbox.maxInAnyWindow("kroton", windowMs),
    limit,
    busySeconds: busy / 1000,
    // the brief's figure: accepted / (L x busy / W)
    utilization: Number((accepted.length / (limit * busy / windowMs)).toFixed(4)),
    // stricter: the last batch's window counted as busy too, i.e. accepted / (L x (busy + W) / W)
    utilizationStrict: Number((accepted.length / (limit * (busy + windowMs) / windowMs)).toFixed(4))
  }
}

const child = (schema: string, krotonUrl: string, n: number) =>
  new Promise<number>((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "child", schema, krotonUrl, String(n)], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    proc.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()))
    proc.on("error", reject)
    proc.on("exit", (code) => (code === 0 ? resolve(Number(out.trim().split("\n").pop())) : reject(new Error(`child exited ${code}`))))
  })

const main = Effect.gen(function*() {
  const oneSchema = yield* freshSchema("one")
  const one = yield* Effect.acquireRelease(Effect.promise(() => startSandbox({ rateLimit: { limit, windowMs } })), (s) => Effect.promise(() => s.close()))
  const started = Date.now()
  const failedOne = yield* work(oneSchema, one.krotonUrl, calls)
  console.log(JSON.stringify({ run: "one process", calls, failed: failedOne, wallSeconds: (Date.now() - started) / 1000, ...figures(one) }, null, 1))
  yield* admin(`DROP SCHEMA ${oneSchema} CASCADE`)

  const twoSchema = yield* freshSchema("two")
  const two = yield* Effect.acquireRelease(Effect.promise(() => startSandbox({ rateLimit: { limit, windowMs } })), (s) => Effect.promise(() => s.close()))
  const started2 = Date.now()
  const failedTwo = yield* Effect.promise(() =>
    Promise.all([child(twoSchema, two.krotonUrl, calls / 2), child(twoSchema, two.krotonUrl, calls / 2)])
  )
  console.log(JSON.stringify({
    run: "two processes",
    calls,
    failed: failedTwo[0]! + failedTwo[1]!,
    wallSeconds: (Date.now() - started2) / 1000,
    ...figures(two)
  }, null, 1))
  yield* admin(`DROP SCHEMA ${twoSchema} CASCADE`)
})

if (process.argv[2] === "child") {
  const [, , , schema, krotonUrl, n] = process.argv
  const failed = await Effect.runPromise(work(schema!, krotonUrl!, Number(n)))
  console.log(failed)
} else {
  await Effect.runPromise(Effect.scoped(main))
}
