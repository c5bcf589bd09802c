// The API's routes. Every route but /health and the dashboard's static files needs the bearer token.
// Errors become JSON answers here: a malformed body or parameter is a 400 carrying the Schema error, an
// unknown node 400, a busy node 409, an unknown run or lead 404; only our own failures are 500s.
import { Effect, Layer, Option } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { SqlClient } from "effect/sql"
import { checkMigrated } from "../db/Migrations.ts"
import { maskText } from "../domain/Mask.ts"
import { RateBudget, upstreams } from "../services/RateBudget.ts"
import { BudgetQuery, FunnelQuery, LeadPath, RunPath, RunsQuery, StartRunBody } from "./ApiSchema.ts"
import { ApiAuth } from "./Auth.ts"
import * as Dashboard from "./Dashboard.ts"
import { metricsText } from "./Metrics.ts"
import { contentType as prometheusContentType } from "./Prometheus.ts"
import { Runs } from "./Runs.ts"
import { staticRoutes } from "./Static.ts"

const json = (status: number, body: unknown) => HttpServerResponse.jsonUnsafe(body, { status })

const problem = (status: number, error: string, message: string, extra: Record<string, unknown> = {}) =>
  json(status, { error, message: maskText(message), ...extra })

const tagOf = (u: unknown): string | undefined =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" ? u._tag : undefined

const messageOf = (u: unknown): string =>
  typeof u === "object" && u !== null && "message" in u && typeof u.message === "string" ? u.message : String(u)

/** A failed handler as an HTTP answer. */
export const errorResponse = (e: unknown): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  const tag = tagOf(e)
  const u = e as Record<string, unknown>
  switch (tag) {
    case "SchemaError":
      return Effect.succeed(problem(400, "bad_request", messageOf(e)))
    case "HttpServerError": {
      const reason = u["reason"]
      if (tagOf(reason) === "RequestParseError") return Effect.succeed(problem(400, "bad_request", `the body is not valid JSON: ${messageOf(reason)}`))
      break
    }
    case "UnknownSelection":
      return Effect.succeed(problem(400, "unknown_node", messageOf(e), { unknown: u["unknown"], valid: u["valid"] }))
    case "NodeBusy":
      return Effect.succeed(problem(409, "node_busy", messageOf(e), { node: u["node"], heldBy: u["heldBy"] }))
    case "RunNotFound":
      return Effect.succeed(problem(404, "not_found", messageOf(e)))
  }
  return Effect.logError("request failed", maskText(messageOf(e))).pipe(
    Effect.as(problem(500, "internal", "the server failed to answer; see its log"))
  )
}

const unauthorized = problem(401, "unauthorized", "send the header Authorization: Bearer <API_TOKEN>")

/** The handler behind the token check, its failures turned into answers. */
const guarded = <E, R>(handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.gen(function*() {
    const auth = yield* ApiAuth
    const request = yield* HttpServerRequest.HttpServerRequest
    if (!auth.authorize(request.headers["authorization"])) {
      return unauthorized.pipe(HttpServerResponse.setHeader("www-authenticate", "Bearer"))
    }
    return yield* handler
  }).pipe(
    Effect.catch(errorResponse),
    // a defect (a bug of ours) is still a JSON 500, logged masked
    Effect.catchDefect(errorResponse)
  )

const notFound = (what: string) => problem(404, "not_found", `no ${what}`)

const health = HttpRouter.add("GET", "/health", json(200, { status: "ok" }))

const ready = HttpRouter.add(
  "GET",
  "/ready",
  guarded(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe("SELECT 1")
      yield* checkMigrated
      return json(200, { status: "ready" })
    }).pipe(Effect.catch((e) => Effect.succeed(json(503, { status: "not_ready", reason: maskText(messageOf(e)) }))))
  )
)

const startRun = HttpRouter.add(
  "POST",
  "/runs",
  guarded(
    Effect.gen(function*() {
      const body = yield* HttpServerRequest.schemaBodyJson(StartRunBody)
      const runs = yield* Runs
      const dryRun = body.dryRun ?? false
      const runId = yield* runs.start(body.node.trim(), { dryRun, limit: body.limit })
      yield* Effect.logInfo("run started from the API").pipe(Effect.annotateLogs({ runId, selection: body.node, dryRun }))
      return json(202, { runId, dryRun })
    })
  )
)

const listRuns = HttpRouter.add(
  "GET",
  "/runs",
  guarded(
    Effect.gen(function*() {
      const query = yield* HttpServerRequest.schemaSearchParams(RunsQuery)
      const runs = yield* Runs
      return json(200, { runs: (yield* runs.list(query.limit ?? 20)).map(runJson) })
    })
  )
)

const getRun = HttpRouter.add(
  "GET",
  "/runs/:id",
  guarded(
    Effect.gen(function*() {
      const { id } = yield* HttpRouter.schemaPathParams(RunPath)
      const runs = yield* Runs
      return Option.match(yield* runs.get(id), { onNone: () => notFound(`run ${id}`), onSome: (run) => json(200, runJson(run)) })
    })
  )
)

const nodes = HttpRouter.add(
  "GET",
  "/nodes",
  guarded(Effect.map(Effect.service(Runs), (runs) => json(200, { nodes: runs.nodes, selections: ["allJobs", ...runs.nodes] })))
)

const lead = HttpRouter.add(
  "GET",
  "/leads/:cpf",
  guarded(
    Effect.gen(function*() {
      const { cpf } = yield* HttpRouter.schemaPathParams(LeadPath)
      return Option.match(yield* Dashboard.leadHistory(cpf), { onNone: () => notFound("lead with that CPF"), onSome: (l) => json(200, l) })
    })
  ),
  // the CPF never reaches a log line or a span
  { redactedParams: ["cpf"] }
)

const funnel = HttpRouter.add(
  "GET",
  "/funnel",
  guarded(
    Effect.gen(function*() {
      const q = yield* HttpServerRequest.schemaSearchParams(FunnelQuery)
      if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
        return problem(400, "bad_request", `from (${q.from}) is after to (${q.to})`)
      }
      return json(200, yield* Dashboard.funnel({ from: q.from, to: q.to }))
    })
  )
)

const usageAll = Effect.flatMap(Effect.service(RateBudget), (budget) => Effect.forEach(upstreams, (u) => budget.usage(u)))

const budget = HttpRouter.add(
  "GET",
  "/budget",
  guarded(
    Effect.gen(function*() {
      const q = yield* HttpServerRequest.schemaSearchParams(BudgetQuery)
      const hours = q.hours ?? 6
      // about 36 bars whatever the span: 10-minute buckets over 6 hours
      const bucketMs = Math.max(60_000, Math.round((hours * 3_600_000) / 36 / 60_000) * 60_000)
      const history = yield* Dashboard.budgetHistory(hours, bucketMs)
      const usage = yield* usageAll
      return json(200, {
        ...history,
        upstreams: usage.map((u) => ({
          upstream: u.upstream,
          limit: Number.isFinite(u.limit) ? u.limit : null,
          windowMs: u.windowMillis,
          used: u.used,
          pausedUntil: u.pausedUntil ?? null
        }))
      })
    })
  )
)

const metrics = HttpRouter.add(
  "GET",
  "/metrics",
  guarded(
    Effect.gen(function*() {
      const figures = yield* Dashboard.metricFigures
      const usage = yield* usageAll
      return HttpServerResponse.text(metricsText(figures, usage), { contentType: prometheusContentType })
    })
  )
)

/** A run as the API shows it: times in epoch ms, durations in ms. */
export const runJson = (run: import("./Runs.ts").RunView) => ({
  id: run.id,
  selection: run.selection,
  status: run.status,
  dryRun: run.dryRun,
  resumedFrom: run.resumedFrom,
  limit: run.limit,
  startedAt: run.startedAt,
  finishedAt: run.finishedAt,
  durationMs: run.finishedAt === undefined ? undefined : run.finishedAt - run.startedAt,
  error: run.error === undefined ? undefined : maskText(run.error),
  counts: run.steps.reduce<Record<string, number>>((acc, s) => {
    for (const [k, v] of Object.entries(s.counts)) acc[k] = (acc[k] ?? 0) + v
    return acc
  }, {}),
  steps: run.steps.map((s) => ({
    node: s.node,
    position: s.position,
    status: s.status,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    durationMs: s.startedAt === undefined || s.finishedAt === undefined ? undefined : s.finishedAt - s.startedAt,
    counts: s.counts,
    error: s.error === undefined ? undefined : maskText(s.error),
    heldBy: s.heldBy,
    note: s.note
  }))
})

/** Every route; needs ApiAuth, Runs, RateBudget and the SqlClient. */
export const routes = Layer.mergeAll(health, ready, startRun, listRuns, getRun, nodes, lead, funnel, budget, metrics, staticRoutes)
