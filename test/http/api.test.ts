// The API over HTTP (ephemeral port, real database of each kind): every route's answers, auth failures,
// malformed input, the 409 of a busy node, and that the CPF never reaches a log line.
import { assert, describe, it, layer } from "@effect/vitest"
import { Deferred, Effect, Layer, Logger, Schedule } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { SqlClient } from "effect/sql"
import { statuses } from "../../src/domain/Status.ts"
import { databaseKinds } from "../support/database.ts"
import { apiLayer, bearer, gate, knownCpf, resetGate, seed, seededCounts, token, unknownCpf } from "./support.ts"

interface Answer {
  readonly status: number
  readonly body: any
  readonly text: string
  readonly headers: Readonly<Record<string, string>>
}

const call = (method: "GET" | "POST", path: string, options: { readonly headers?: Record<string, string>; readonly body?: string } = {}) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    let request = HttpClientRequest.make(method)(path).pipe(HttpClientRequest.setHeaders(options.headers ?? bearer))
    if (options.body !== undefined) request = HttpClientRequest.bodyText(request, options.body, "application/json")
    const response = yield* client.execute(request)
    const text = yield* response.text
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    return { status: response.status, body, text, headers: response.headers } as Answer
  }).pipe(Effect.orDie)

const get = (path: string, headers?: Record<string, string>) => call("GET", path, headers === undefined ? {} : { headers })
const post = (path: string, body: string, headers?: Record<string, string>) => call("POST", path, { body, ...(headers === undefined ? {} : { headers }) })

/** Polls GET /runs/{id} until the run has ended (the runner works in the background). */
const ended = (runId: string) =>
  get(`/runs/${runId}`).pipe(
    Effect.filterOrFail((a) => a.status === 200 && a.body.status !== "running", () => "still running"),
    Effect.retry({ schedule: Schedule.spaced("10 millis"), times: 500 }),
    Effect.orDie
  )

const seeded = (kind: (typeof databaseKinds)[number]) => Layer.effectDiscard(seed.pipe(Effect.orDie)).pipe(Layer.provideMerge(apiLayer(kind)))

describe.each(databaseKinds)("API (%s)", (kind) => {
  // live clock: the runner works in the background and the tests poll its records
  layer(seeded(kind), { timeout: 60_000, excludeTestServices: true })((it) => {
    it.effect("GET /health answers without a token", () =>
      Effect.gen(function*() {
        const a = yield* get("/health", {})
        assert.strictEqual(a.status, 200)
        assert.deepStrictEqual(a.body, { status: "ok" })
      }))

    it.effect("every other route wants the token: missing, wrong scheme, wrong token -> 401 JSON", () =>
      Effect.gen(function*() {
        for (const path of ["/ready", "/runs", "/runs/x", "/funnel", "/metrics", `/leads/${knownCpf}`, "/budget", "/nodes"]) {
          for (const headers of [{}, { authorization: `Basic ${token}` }, { authorization: "Bearer nope" }, { authorization: `Bearer ${token}x` }]) {
            const a = yield* get(path, headers)
            assert.strictEqual(a.status, 401, `${path} ${JSON.stringify(headers)}`)
            assert.strictEqual(a.body.error, "unauthorized")
            assert.strictEqual(a.headers["www-authenticate"], "Bearer")
          }
        }
        const a = yield* post("/runs", JSON.stringify({ node: "fixData", dryRun: true }), {})
        assert.strictEqual(a.status, 401)
      }))

    it.effect("GET /ready: database reachable and migrated", () =>
      Effect.gen(function*() {
        const a = yield* get("/ready")
        assert.strictEqual(a.status, 200)
        assert.deepStrictEqual(a.body, { status: "ready" })
      }))

    it.effect("the dashboard's page, script and stylesheet need no token", () =>
      Effect.gen(function*() {
        const page = yield* get("/", {})
        assert.strictEqual(page.status, 200)
        assert.include(page.headers["content-type"]!, "text/html")
        assert.include(page.text, "<script src=\"/app.js\"")
        assert.include((yield* get("/app.js", {})).headers["content-type"]!, "javascript")
        assert.include((yield* get("/app.css", {})).headers["content-type"]!, "text/css")
      }))

    it.effect("POST /runs: 202 with a run id; the run and its steps show in GET /runs and GET /runs/{id}", () =>
      Effect.gen(function*() {
        const a = yield* post("/runs", JSON.stringify({ node: "register+", dryRun: false }))
        // "register+" is register and downstream: only register here
        assert.strictEqual(a.status, 202)
        assert.match(a.body.runId, /^run_/)
        assert.strictEqual(a.body.dryRun, false)
        const run = (yield* ended(a.body.runId)).body
        assert.strictEqual(run.status, "succeeded")
        assert.strictEqual(run.selection, "register+")
        assert.deepStrictEqual(run.steps.map((s: any) => [s.node, s.status]), [["register", "succeeded"]])
        assert.deepStrictEqual(run.counts, { registered: 2, awaiting_register: 1 })
        assert.isNumber(run.durationMs)
        const list = (yield* get("/runs")).body.runs
        assert.isTrue(list.some((r: any) => r.id === a.body.runId))
        assert.isTrue(list.some((r: any) => r.id === "run_seed" && r.status === "failed"))
        const seededRun = (yield* get("/runs/run_seed")).body
        assert.deepStrictEqual(seededRun.steps.map((s: any) => [s.node, s.status, s.error ?? null]), [
          ["syncCourses", "succeeded", null],
          ["register", "failed", "Kroton answered 500 three times"]
        ])
        assert.strictEqual(seededRun.durationMs, 95_000)
      }))

    it.effect("a failed step is recorded masked, its downstream upstream_failed", () =>
      Effect.gen(function*() {
        const a = yield* post("/runs", JSON.stringify({ node: "broken+" }))
        assert.strictEqual(a.status, 202)
        const run = (yield* ended(a.body.runId)).body
        assert.strictEqual(run.status, "failed")
        const [broken, after] = run.steps
        assert.strictEqual(broken.status, "failed")
        assert.notInclude(broken.error, "378.457.608-70")
        assert.strictEqual(after.status, "upstream_failed")
      }))

    it.effect("a dry run is listed too, marked dryRun, and writes no run record", () =>
      Effect.gen(function*() {
        const a = yield* post("/runs", JSON.stringify({ node: "allJobs", dryRun: true }))
        assert.strictEqual(a.status, 202)
        assert.strictEqual(a.body.dryRun, true)
        yield* Deferred.succeed(gate.current, undefined) // let "hold" end
        const run = (yield* ended(a.body.runId)).body
        assert.strictEqual(run.dryRun, true)
        assert.strictEqual(run.status, "failed") // "broken" is part of allJobs
        const byNode = Object.fromEntries(run.steps.map((s: any) => [s.node, s.status]))
        assert.deepStrictEqual(byNode, {
          fixData: "succeeded",
          syncCourses: "succeeded",
          register: "succeeded",
          hold: "succeeded",
          broken: "failed",
          afterBroken: "upstream_failed"
        })
        assert.isTrue((yield* get("/runs")).body.runs.some((r: any) => r.id === a.body.runId && r.dryRun === true))
        const sql = yield* SqlClient.SqlClient
        assert.deepStrictEqual(yield* sql.unsafe("SELECT id FROM runs WHERE id = $1", [a.body.runId]), [])
        yield* resetGate
      }))

    it.effect("409 while the node is running; 202 again once it has ended", () =>
      Effect.gen(function*() {
        yield* resetGate
        const first = yield* post("/runs", JSON.stringify({ node: "hold", dryRun: false }))
        assert.strictEqual(first.status, 202)
        yield* Deferred.await(gate.entered)
        const second = yield* post("/runs", JSON.stringify({ node: "hold", dryRun: false }))
        assert.strictEqual(second.status, 409)
        assert.strictEqual(second.body.error, "node_busy")
        assert.strictEqual(second.body.node, "hold")
        assert.strictEqual(second.body.heldBy, first.body.runId)
        // another node is free meanwhile
        const other = yield* post("/runs", JSON.stringify({ node: "fixData" }))
        assert.strictEqual(other.status, 202)
        yield* Deferred.succeed(gate.current, undefined)
        assert.strictEqual((yield* ended(first.body.runId)).body.status, "succeeded")
        yield* ended(other.body.runId)
        yield* resetGate
        const third = yield* post("/runs", JSON.stringify({ node: "hold" }))
        assert.strictEqual(third.status, 202)
        yield* Deferred.succeed(gate.current, undefined)
        yield* ended(third.body.runId)
        yield* resetGate
      }))

    it.effect("POST /runs: 400 for an unknown node, with the valid ones", () =>
      Effect.gen(function*() {
        const a = yield* post("/runs", JSON.stringify({ node: "registr", dryRun: true }))
        assert.strictEqual(a.status, 400)
        assert.strictEqual(a.body.error, "unknown_node")
        assert.strictEqual(a.body.unknown, "registr")
        assert.include(a.body.valid, "register")
      }))

    it.effect("POST /runs: malformed bodies get 400 with the Schema error, never 500", () =>
      Effect.gen(function*() {
        const bodies = ["{", "", "[]", "null", "{}", JSON.stringify({ node: 3 }), JSON.stringify({ node: "fixData", dryRun: "yes" }),
          JSON.stringify({ node: "" }), JSON.stringify({ node: "fixData", limit: 0 }), JSON.stringify({ node: "fixData", limit: 1.5 })]
        for (const body of bodies) {
          const a = yield* post("/runs", body)
          assert.strictEqual(a.status, 400, body)
          assert.strictEqual(a.body.error, "bad_request", body)
          assert.isString(a.body.message)
        }
        const a = yield* post("/runs", JSON.stringify({ node: "fixData", dryRun: "yes" }))
        assert.include(a.body.message, "dryRun")
      }))

    it.effect("GET /runs/{id}: 404 unknown; GET /runs?limit validated", () =>
      Effect.gen(function*() {
        const a = yield* get("/runs/run_nope")
        assert.strictEqual(a.status, 404)
        assert.strictEqual(a.body.error, "not_found")
        assert.strictEqual((yield* get("/runs?limit=abc")).status, 400)
        assert.strictEqual((yield* get("/runs?limit=0")).status, 400)
        assert.strictEqual((yield* get("/runs?limit=1")).body.runs.length, 1)
      }))

    it.effect("GET /leads/{cpf}: status history, follow-up and courses; e-mail and phone masked", () =>
      Effect.gen(function*() {
        for (const form of [knownCpf, `${knownCpf.slice(0, 3)}.${knownCpf.slice(3, 6)}.${knownCpf.slice(6, 9)}-${knownCpf.slice(9)}`]) {
          const a = yield* get(`/leads/${form}`)
          assert.strictEqual(a.status, 200, `${form} ${a.text}`)
          assert.strictEqual(a.body.status, "registered")
          assert.strictEqual(a.body.email, "m***@e***.com")
          assert.strictEqual(a.body.phone, "*******5666")
          assert.deepStrictEqual(a.body.transitions.map((t: any) => [t.from ?? null, t.to]), [
            [null, "to_sync"],
            ["to_sync", "to_register"],
            ["to_register", "registered"]
          ])
          assert.strictEqual(a.body.followUp.krotonSubscriptionId, "INS-991")
          assert.deepStrictEqual(a.body.courses.map((c: any) => c.offerId), ["OF-1", "OF-2"])
          assert.notInclude(a.text, "maria.souza@example.com")
          assert.notInclude(a.text, "975405666")
        }
      }))

    it.effect("GET /leads/{cpf}: 400 malformed, 404 unknown", () =>
      Effect.gen(function*() {
        for (const bad of ["123", "11111111111", `${knownCpf.slice(0, 10)}9`, "abcdefghijk"]) {
          const a = yield* get(`/leads/${bad}`)
          assert.strictEqual(a.status, 400, bad)
          assert.strictEqual(a.body.error, "bad_request")
        }
        const a = yield* get(`/leads/${unknownCpf}`)
        assert.strictEqual(a.status, 404)
      }))

    it.effect("GET /funnel: counts by status and by day of import; range; 400 on bad dates", () =>
      Effect.gen(function*() {
        const all = (yield* get("/funnel")).body
        assert.deepStrictEqual(all.byStatus, seededCounts)
        assert.strictEqual(all.total, Object.values(seededCounts).reduce((a, b) => a + b, 0))
        assert.deepStrictEqual(all.days.map((d: any) => d.day), ["2026-11-30", "2026-12-01"])
        const enrolled = all.stages.find((s: any) => s.stage === "enrolled")
        assert.deepStrictEqual(enrolled, { stage: "enrolled", now: 3, reached: 3 })
        const registered = all.stages.find((s: any) => s.stage === "registered")
        assert.strictEqual(registered.reached, seededCounts.registered + seededCounts.enrolled + seededCounts.dropped)
        const day = (yield* get("/funnel?from=2026-12-01&to=2026-12-01")).body
        assert.deepStrictEqual(day.days.map((d: any) => d.day), ["2026-12-01"])
        assert.strictEqual(day.total, all.days[1].total)
        for (const bad of ["from=2026-13-01", "to=yesterday", "from=2026-02-30", "from=2026-12-02&to=2026-12-01"]) {
          const a = yield* get(`/funnel?${bad}`)
          assert.strictEqual(a.status, 400, bad)
        }
      }))

    it.effect("GET /metrics: Prometheus text with leads, requests, 429s, budget and durations", () =>
      Effect.gen(function*() {
        const a = yield* get("/metrics")
        assert.strictEqual(a.status, 200)
        assert.include(a.headers["content-type"]!, "text/plain")
        for (const s of statuses) assert.include(a.text, `kroton_leads{status="${s}"} ${seededCounts[s]}\n`)
        assert.include(a.text, "# TYPE kroton_upstream_requests_total counter")
        assert.include(a.text, `kroton_upstream_requests_total{upstream="kroton"} 30\n`)
        assert.include(a.text, `kroton_upstream_throttled_total{upstream="kroton"} 1\n`)
        assert.include(a.text, `kroton_budget_used{upstream="kroton"} 7\n`)
        assert.include(a.text, `kroton_budget_used_ratio{upstream="kroton"} 0.07\n`)
        assert.include(a.text, `kroton_budget_limit{upstream="kroton"} 100\n`)
        assert.include(a.text, `kroton_run_duration_seconds_sum{selection="allJobs",status="failed"} 95\n`)
        assert.match(a.text, /kroton_step_duration_seconds_count\{node="register",status="failed"\} 1\n/)
      }))

    it.effect("GET /budget: requests per bucket and the current window", () =>
      Effect.gen(function*() {
        const a = yield* get("/budget?hours=2")
        assert.strictEqual(a.status, 200)
        const kroton = a.body.upstreams.find((u: any) => u.upstream === "kroton")
        assert.deepStrictEqual([kroton.used, kroton.limit, kroton.windowMs], [7, 100, 300_000])
        const total = a.body.requests.filter((r: any) => r.upstream === "kroton").reduce((n: number, r: any) => n + r.n, 0)
        assert.strictEqual(total, 30)
        assert.strictEqual((yield* get("/budget?hours=0")).status, 400)
      }))
  })
})

describe("request logs", () => {
  it.live("never carry the CPF of GET /leads/{cpf}", () => {
    const lines: Array<string> = []
    const capture = Logger.layer([Logger.formatJson.pipe(Logger.map((line) => void lines.push(line)))])
    return Effect.gen(function*() {
      yield* get(`/leads/${knownCpf}`)
      yield* get(`/leads/${unknownCpf}`)
      yield* get(`/leads/${knownCpf.slice(0, 10)}9`) // malformed: a 400, still redacted
      const text = lines.join("\n")
      // the request log names the route, the CPF replaced
      assert.isTrue(lines.some((l) => l.includes("/leads/")), text)
      assert.notInclude(text, knownCpf)
      assert.notInclude(text, unknownCpf)
    }).pipe(Effect.provide(apiLayer("pglite").pipe(Layer.provide(capture))))
  })
})
