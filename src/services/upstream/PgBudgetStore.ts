// The sliding-window log in PostgreSQL (tables rate_budget_grants / rate_budget_pauses), shared by every
// process on the database. One transaction per decision, serialised per upstream by an advisory lock.
// With PGlite the bridge serialises transactions in-process: nothing here awaits another connection.
import { Clock, Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { run, runDecoded } from "../../db/Queries.ts"
import type { Upstream } from "../RateBudget.ts"
import { type BudgetStore, type Decision, decide } from "./BudgetStore.ts"

const Blocking = Schema.Struct({
  pausedUntilMs: Schema.NullOr(Schema.Number),
  blockingMs: Schema.NullOr(Schema.Number)
})
const Usage = Schema.Struct({ used: Schema.Number, pausedUntilMs: Schema.NullOr(Schema.Number) })
const Grant = Schema.Struct({ atMs: Schema.Number })
const Inserted = Schema.Struct({ id: Schema.Union([Schema.Number, Schema.String, Schema.BigInt]) })

/** A grant is stamped when decided; if the commit returned later than this, the stamp moves to then. */
const lateMs = 5

const orUndefined = (n: number | null) => (n === null ? undefined : Math.round(n))

/** The database is part of the program: a query that keeps failing is a defect, not a budget answer. */
const reliable = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(Effect.retry({ times: 3 }), Effect.orDie)

export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const provide = <A, E>(self: Effect.Effect<A, E, SqlClient.SqlClient>) => Effect.provideService(self, SqlClient.SqlClient, sql)

  const decideInTransaction = (upstream: Upstream, limit: number, windowMs: number) =>
    sql.withTransaction(Effect.gen(function*() {
      yield* run("rate_budget/lock_upstream", [upstream])
      // read the clock only once the lock is ours, so grants are recorded in the order they were made
      const now = yield* Clock.currentTimeMillis
      const rows = yield* runDecoded(Blocking, "rate_budget/select_blocking", [upstream, now - windowMs, limit - 1])
      const row = rows[0]
      const decision = decide(now, windowMs, orUndefined(row?.blockingMs ?? null), orUndefined(row?.pausedUntilMs ?? null))
      if (decision._tag === "Wait") return { decision, id: undefined }
      const inserted = yield* runDecoded(Inserted, "rate_budget/insert_grant", [upstream, now, now - 2 * windowMs])
      return { decision, id: inserted[0]?.id }
    }))

  // The request leaves when the commit has returned, which a busy server (fsync) can delay by tens of
  // milliseconds: then the grant is re-stamped, so the log never shows a request earlier than it left.
  // Decisions that could be affected lie a whole window later, long after this update.
  const tryGrant = (upstream: Upstream, limit: number, windowMs: number) =>
    Effect.gen(function*() {
      const { decision, id } = yield* decideInTransaction(upstream, limit, windowMs)
      if (decision._tag === "Wait" || id === undefined) return decision
      const now = yield* Clock.currentTimeMillis
      if (now - decision.at <= lateMs) return decision
      yield* run("rate_budget/update_grant_time", [String(id), now])
      return { _tag: "Granted", at: now } satisfies Decision as Decision
    }).pipe(provide, reliable, Effect.withSpan("RateBudget.tryGrant", { attributes: { upstream } }))

  const pause = (upstream: Upstream, until: number) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      yield* run("rate_budget/upsert_pause", [upstream, until])
      yield* run("upstream_events/insert_event", [upstream, "429", now])
    }).pipe(provide, reliable)

  const usage = (upstream: Upstream, windowMs: number) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const rows = yield* runDecoded(Usage, "rate_budget/select_usage", [upstream, now - windowMs, now])
      return { used: rows[0]?.used ?? 0, pausedUntil: orUndefined(rows[0]?.pausedUntilMs ?? null) }
    }).pipe(provide, reliable)

  const grants = (upstream: Upstream) =>
    runDecoded(Grant, "rate_budget/select_grants", [upstream]).pipe(
      Effect.map((rows) => rows.map((r) => Math.round(r.atMs))),
      provide,
      reliable
    )

  return { tryGrant, pause, usage, grants } satisfies BudgetStore
})
