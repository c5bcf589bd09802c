// Run and step records (tables runs, run_steps) and node leases (node_leases): over the SQL files in
// `layer`, or in memory in `layerMemory` (dry runs and tests) with the same lease semantics.
import { Context, Duration, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import * as Queries from "../db/Queries.ts"
import type { Counts } from "./Node.ts"

export type RunStatus = "running" | "succeeded" | "failed" | "cancelled"
export type StepStatus = "pending" | "running" | "succeeded" | "failed" | "skipped" | "upstream_failed"

export interface StepRecord {
  readonly node: string
  readonly position: number
  readonly status: StepStatus
  readonly startedAt: number | undefined
  readonly finishedAt: number | undefined
  readonly counts: Counts
  readonly error: string | undefined
  /** skipped: the run that held the node's lease */
  readonly heldBy: string | undefined
  readonly note: string | undefined
}

export interface RunRecord {
  readonly id: string
  readonly selection: string
  readonly status: RunStatus
  readonly resumedFrom: string | undefined
  readonly limit: number | undefined
  readonly holder: string | undefined
  readonly startedAt: number
  readonly finishedAt: number | undefined
  readonly error: string | undefined
  readonly steps: ReadonlyArray<StepRecord>
}

export interface NewRun {
  readonly id: string
  readonly selection: string
  readonly resumedFrom: string | undefined
  readonly limit: number | undefined
  readonly holder: string
  readonly startedAt: number
}

export interface StepEnd {
  readonly status: Exclude<StepStatus, "pending" | "running">
  readonly at: number
  readonly counts: Counts
  readonly error: string | undefined
  readonly heldBy: string | undefined
  readonly note: string | undefined
}

export type LeaseAttempt =
  | { readonly _tag: "Acquired" }
  | { readonly _tag: "Held"; readonly runId: string; readonly holder: string }

export interface LeaseRequest {
  readonly key: string
  readonly runId: string
  readonly holder: string
  readonly now: number
  readonly ttl: Duration.Duration
}

export class RunStoreFailed extends Schema.TaggedError<RunStoreFailed>()("RunStoreFailed", {
  operation: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `run records: ${this.operation} failed: ${this.reason}`
  }
}

export interface RunStoreShape {
  readonly createRun: (run: NewRun) => Effect.Effect<void, RunStoreFailed>
  /** Every selected node as a pending step, `nodes` in run order. */
  readonly createSteps: (runId: string, nodes: ReadonlyArray<string>) => Effect.Effect<void, RunStoreFailed>
  readonly markRunning: (runId: string, node: string, at: number) => Effect.Effect<void, RunStoreFailed>
  readonly finishStep: (runId: string, node: string, end: StepEnd) => Effect.Effect<void, RunStoreFailed>
  readonly finishRun: (
    runId: string,
    end: { readonly status: Exclude<RunStatus, "running">; readonly at: number; readonly error: string | undefined }
  ) => Effect.Effect<void, RunStoreFailed>
  /** Latest first, with their steps. */
  readonly listRuns: (limit: number) => Effect.Effect<ReadonlyArray<RunRecord>, RunStoreFailed>
  readonly getRun: (runId: string) => Effect.Effect<Option.Option<RunRecord>, RunStoreFailed>
  /** Takes the lease when free or expired; otherwise says who holds it. */
  readonly acquireLease: (request: LeaseRequest) => Effect.Effect<LeaseAttempt, RunStoreFailed>
  /** false when the lease is no longer ours (it expired and another run took it). */
  readonly renewLease: (request: LeaseRequest) => Effect.Effect<boolean, RunStoreFailed>
  readonly releaseLease: (key: string, runId: string) => Effect.Effect<void, RunStoreFailed>
  /** The run holding an unexpired lease on `key`, if any. */
  /** Closes as failed the runs whose process is gone (a running step without a live lease); returns their ids. */
  readonly closeAbandoned: (now: number) => Effect.Effect<ReadonlyArray<string>, RunStoreFailed>
  readonly leaseHolder: (key: string, now: number) => Effect.Effect<Option.Option<{ readonly runId: string; readonly holder: string }>, RunStoreFailed>
}

/** Counts are whole outcomes; anything else (NaN, Infinity) is dropped rather than stored as null. */
export const finiteCounts = (counts: Counts): Counts =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => Number.isFinite(n)))

const iso = (millis: number) => new Date(millis).toISOString()
const expiry = (r: LeaseRequest) => r.now + Duration.toMillis(r.ttl)

// Rows (camelCased by the client). Times come as epoch millis from the queries themselves.
const RunRow = Schema.Struct({
  id: Schema.String,
  selection: Schema.String,
  status: Schema.Literals(["running", "succeeded", "failed", "cancelled"]),
  resumedFrom: Schema.NullOr(Schema.String),
  leadLimit: Schema.NullOr(Schema.Number),
  holder: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String),
  startedAtMs: Schema.Number,
  finishedAtMs: Schema.NullOr(Schema.Number)
})
const StepRow = Schema.Struct({
  runId: Schema.String,
  node: Schema.String,
  status: Schema.Literals(["pending", "running", "succeeded", "failed", "skipped", "upstream_failed"]),
  position: Schema.Number,
  countsJson: Schema.fromJsonString(Schema.Record(Schema.String, Schema.Number)),
  error: Schema.NullOr(Schema.String),
  heldBy: Schema.NullOr(Schema.String),
  note: Schema.NullOr(Schema.String),
  startedAtMs: Schema.NullOr(Schema.Number),
  finishedAtMs: Schema.NullOr(Schema.Number)
})
const LeaseRow = Schema.Struct({ runId: Schema.String, holder: Schema.optional(Schema.String) })

const orUndefined = <A>(a: A | null): A | undefined => (a === null ? undefined : a)

const toStep = (r: typeof StepRow.Type): StepRecord => ({
  node: r.node,
  position: r.position,
  status: r.status,
  startedAt: orUndefined(r.startedAtMs),
  finishedAt: orUndefined(r.finishedAtMs),
  counts: r.countsJson,
  error: orUndefined(r.error),
  heldBy: orUndefined(r.heldBy),
  note: orUndefined(r.note)
})

const toRun = (r: typeof RunRow.Type, steps: ReadonlyArray<typeof StepRow.Type>): RunRecord => ({
  id: r.id,
  selection: r.selection,
  status: r.status,
  resumedFrom: orUndefined(r.resumedFrom),
  limit: orUndefined(r.leadLimit),
  holder: orUndefined(r.holder),
  startedAt: r.startedAtMs,
  finishedAt: orUndefined(r.finishedAtMs),
  error: orUndefined(r.error),
  steps: steps.filter((s) => s.runId === r.id).map(toStep)
})

const makeSql = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const wrap = (operation: string) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
    self.pipe(
      Effect.provideService(SqlClient.SqlClient, sql),
      Effect.mapError((e) => new RunStoreFailed({ operation, reason: describeSqlError(e) }))
    ) as Effect.Effect<A, RunStoreFailed, Exclude<R, SqlClient.SqlClient>>
  const exec = (name: string, params: ReadonlyArray<unknown>) => Queries.run(name, params).pipe(wrap(name), Effect.asVoid)

  const withSteps = (runs: ReadonlyArray<typeof RunRow.Type>) =>
    runs.length === 0
      ? Effect.succeed([])
      : Queries.runDecoded(StepRow, "run_steps/select_by_runs", [runs.map((r) => r.id)]).pipe(
        wrap("run_steps/select_by_runs"),
        Effect.map((steps) => runs.map((r) => toRun(r, steps)))
      )

  const leaseHolder: RunStoreShape["leaseHolder"] = (key, now) =>
    Queries.runDecoded(LeaseRow, "node_leases/select_holder", [key, iso(now)]).pipe(
      wrap("node_leases/select_holder"),
      Effect.map((rows) => Option.fromNullishOr(rows[0]).pipe(Option.map((r) => ({ runId: r.runId, holder: r.holder ?? "" }))))
    )

  const acquireOnce = (r: LeaseRequest) =>
    Queries.runDecoded(LeaseRow, "node_leases/upsert_acquire", [r.key, r.runId, r.holder, iso(expiry(r)), iso(r.now)]).pipe(
      wrap("node_leases/upsert_acquire"),
      Effect.map((rows) => rows.length > 0)
    )

  return RunStore.of({
    createRun: (run) =>
      exec("runs/insert_run", [run.id, run.selection, run.resumedFrom ?? null, iso(run.startedAt), run.limit ?? null, run.holder]),
    createSteps: (runId, nodes) => exec("run_steps/insert_pending", [runId, nodes]),
    markRunning: (runId, node, at) => exec("run_steps/update_running", [runId, node, iso(at)]),
    finishStep: (runId, node, end) =>
      exec("run_steps/update_finished", [
        runId,
        node,
        end.status,
        iso(end.at),
        JSON.stringify(finiteCounts(end.counts)),
        end.error ?? null,
        end.heldBy ?? null,
        end.note ?? null
      ]),
    finishRun: (runId, end) => exec("runs/update_finished", [runId, end.status, iso(end.at), end.error ?? null]),
    listRuns: (limit) =>
      Queries.runDecoded(RunRow, "runs/select_recent", [limit]).pipe(wrap("runs/select_recent"), Effect.flatMap(withSteps)),
    getRun: (runId) =>
      Queries.runDecoded(RunRow, "runs/select_by_id", [runId]).pipe(
        wrap("runs/select_by_id"),
        Effect.flatMap(withSteps),
        Effect.map((runs) => Option.fromNullishOr(runs[0]))
      ),
    acquireLease: (r) =>
      Effect.gen(function*() {
        // The holder may release between our insert and our look-up: then try again (bounded).
        for (let attempt = 0; attempt < 3; attempt++) {
          if (yield* acquireOnce(r)) return { _tag: "Acquired" } as const
          const holder = yield* leaseHolder(r.key, r.now)
          if (Option.isSome(holder)) return { _tag: "Held", runId: holder.value.runId, holder: holder.value.holder } as const
        }
        return yield* new RunStoreFailed({ operation: "node_leases/upsert_acquire", reason: `lease ${r.key} kept changing hands` })
      }),
    renewLease: (r) =>
      Queries.run("node_leases/update_renew", [r.key, r.runId, iso(expiry(r))]).pipe(
        wrap("node_leases/update_renew"),
        Effect.map((rows) => rows.length > 0)
      ),
    releaseLease: (key, runId) => exec("node_leases/delete_release", [key, runId]),
    closeAbandoned: (now) =>
      Queries.run<{ readonly id: string }>("runs/update_abandoned", [iso(now)]).pipe(
        wrap("runs/update_abandoned"),
        Effect.map((rows) => rows.map((r) => r.id))
      ),
    leaseHolder
  })
})

// The database's own message sits in the cause of a SqlError; keep it short.
const describeSqlError = (e: unknown): string => {
  const parts: Array<string> = []
  let current: unknown = e
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (typeof current === "object" && "message" in current && typeof current.message === "string" && current.message.length > 0) {
      parts.push(current.message)
    }
    current = typeof current === "object" && "cause" in current ? current.cause : (current as { reason?: { cause?: unknown } }).reason?.cause
  }
  return [...new Set(parts)].join(": ").slice(0, 500) || String(e)
}

interface MemoryState {
  readonly runs: Map<string, Omit<RunRecord, "steps">>
  readonly steps: Map<string, Array<StepRecord>>
  readonly leases: Map<string, { runId: string; holder: string; expiresAt: number }>
}

/** A RunStore in memory: nothing leaves the process (dry runs), or a programmable store for tests. */
export const makeMemory = (): RunStoreShape => {
  const state: MemoryState = { runs: new Map(), steps: new Map(), leases: new Map() }
  const missing = (operation: string, what: string) => Effect.fail(new RunStoreFailed({ operation, reason: `no ${what}` }))
  const updateStep = (operation: string, runId: string, node: string, f: (s: StepRecord) => StepRecord) =>
    Effect.suspend(() => {
      const steps = state.steps.get(runId)
      const index = steps?.findIndex((s) => s.node === node) ?? -1
      if (steps === undefined || index < 0) return missing(operation, `step ${runId}/${node}`)
      steps[index] = f(steps[index]!)
      return Effect.void
    })
  const withSteps = (run: Omit<RunRecord, "steps">): RunRecord => ({ ...run, steps: [...(state.steps.get(run.id) ?? [])] })
  const holderOf = (key: string, now: number) => {
    const lease = state.leases.get(key)
    return lease !== undefined && lease.expiresAt >= now ? lease : undefined
  }
  return RunStore.of({
    createRun: (run) =>
      Effect.suspend(() => {
        if (state.runs.has(run.id)) return Effect.fail(new RunStoreFailed({ operation: "createRun", reason: `run ${run.id} exists` }))
        state.runs.set(run.id, { ...run, status: "running", finishedAt: undefined, error: undefined })
        return Effect.void
      }),
    createSteps: (runId, nodes) =>
      Effect.sync(() => {
        state.steps.set(runId, nodes.map((node, position) => ({
          node,
          position,
          status: "pending",
          startedAt: undefined,
          finishedAt: undefined,
          counts: {},
          error: undefined,
          heldBy: undefined,
          note: undefined
        })))
      }),
    markRunning: (runId, node, at) => updateStep("markRunning", runId, node, (s) => ({ ...s, status: "running", startedAt: at })),
    finishStep: (runId, node, end) =>
      updateStep("finishStep", runId, node, (s) => ({
        ...s,
        status: end.status,
        finishedAt: end.at,
        counts: finiteCounts(end.counts),
        error: end.error,
        heldBy: end.heldBy,
        note: end.note
      })),
    finishRun: (runId, end) =>
      Effect.suspend(() => {
        const run = state.runs.get(runId)
        if (run === undefined) return missing("finishRun", `run ${runId}`)
        state.runs.set(runId, { ...run, status: end.status, finishedAt: end.at, error: end.error })
        return Effect.void
      }),
    listRuns: (limit) =>
      Effect.sync(() => [...state.runs.values()].sort((a, b) => b.startedAt - a.startedAt).slice(0, limit).map(withSteps)),
    getRun: (runId) => Effect.sync(() => Option.fromNullishOr(state.runs.get(runId)).pipe(Option.map(withSteps))),
    acquireLease: (r) =>
      Effect.sync(() => {
        const held = state.leases.get(r.key)
        if (held !== undefined && held.expiresAt >= r.now) return { _tag: "Held", runId: held.runId, holder: held.holder } as const
        state.leases.set(r.key, { runId: r.runId, holder: r.holder, expiresAt: expiry(r) })
        return { _tag: "Acquired" } as const
      }),
    renewLease: (r) =>
      Effect.sync(() => {
        const held = state.leases.get(r.key)
        if (held === undefined || held.runId !== r.runId) return false
        held.expiresAt = expiry(r)
        return true
      }),
    releaseLease: (key, runId) =>
      Effect.sync(() => {
        if (state.leases.get(key)?.runId === runId) state.leases.delete(key)
      }),
    closeAbandoned: (now) =>
      Effect.sync(() => {
        const closed: Array<string> = []
        for (const run of state.runs.values()) {
          const steps = state.steps.get(run.id) ?? []
          const leased = [...state.leases.values()].some((l) => l.runId === run.id && l.expiresAt >= now)
          if (run.status !== "running" || leased || !steps.some((s) => s.status === "running")) continue
          state.steps.set(run.id, steps.map((s) =>
            s.status === "running"
              ? { ...s, status: "failed", finishedAt: now, error: "abandoned: the process running it stopped (its lease lapsed)" }
              : s
          ))
          state.runs.set(run.id, { ...run, status: "failed", finishedAt: now, error: "abandoned: the process running it stopped" })
          closed.push(run.id)
        }
        return closed
      }),
    leaseHolder: (key, now) =>
      Effect.sync(() => Option.fromNullishOr(holderOf(key, now)).pipe(Option.map((l) => ({ runId: l.runId, holder: l.holder }))))
  })
}

export class RunStore extends Context.Service<RunStore, RunStoreShape>()("kroton-leads/RunStore") {
  /** Over PostgreSQL / PGlite (needs the SqlClient). */
  static readonly layer = Layer.effect(RunStore, makeSql)
  /** In memory, empty at each build. */
  static readonly layerMemory = Layer.sync(RunStore, makeMemory)
  static readonly layerTest = RunStore.layerMemory
}
