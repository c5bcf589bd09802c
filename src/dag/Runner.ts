// Runs a selection of a Dag: records the run and its steps, starts each node when its selected upstreams
// have ended, holds a lease per node (one run at a time across replicas), reports progress, tells Slack.
// A node's failure or defect is recorded and stops its downstream only; the runner itself fails only when
// the run records cannot be written.
import { Cause, Clock, Config, Deferred, Duration, Effect, Exit, Fiber, Option, Result, Schema, Scope, Semaphore } from "effect"
import { randomBytes } from "node:crypto"
import { hostname } from "node:os"
import { maskText } from "../domain/Mask.ts"
import { Notifier } from "../services/Notifier.ts"
import { durationOr } from "../services/upstream/Settings.ts"
import { RateBudget } from "../services/RateBudget.ts"
import type { Dag, DagNode } from "./Node.ts"
import { makeProgress, type Progress } from "./Progress.ts"
import { makeMemory, RunStore, type RunStoreFailed, type RunStoreShape, type StepRecord, type StepStatus } from "./RunStore.ts"
import { select, type UnknownSelection } from "./Selection.ts"
import { StepContext } from "./StepContext.ts"
import { failureAlertText, type RunSummary, summarize, summaryText } from "./Summary.ts"

export interface RunOptions {
  /** Nodes decide and count but change nothing; the runner writes no records, takes no leases, sends no Slack. */
  readonly dryRun?: boolean
  /** At most this many leads per step. */
  readonly limit?: number | undefined
  /** Resume that run instead of running `selection`. */
  readonly resumeFrom?: string | undefined
  /** Where a dry run keeps its records (default: a memory store of its own); the API passes one it can read. */
  readonly dryRunStore?: RunStoreShape | undefined
}

export class RunNotFound extends Schema.TaggedError<RunNotFound>()("RunNotFound", { runId: Schema.String }) {
  override get message() {
    return `no run ${this.runId}`
  }
}

/** startRun: a selected node is running in another run right now. */
export class NodeBusy extends Schema.TaggedError<NodeBusy>()("NodeBusy", { node: Schema.String, heldBy: Schema.String }) {
  override get message() {
    return `${this.node} is already running in run ${this.heldBy}`
  }
}

/** The node's lease expired and another run took it: stop rather than do the same work twice. */
export class LeaseLost extends Schema.TaggedError<LeaseLost>()("LeaseLost", { node: Schema.String, lease: Schema.String }) {
  override get message() {
    return `lease ${this.lease} of ${this.node} was lost (expired and taken by another run)`
  }
}

export type RunError = UnknownSelection | RunNotFound | RunStoreFailed

/** DAG_LEASE_TTL (default 60 s): a crashed holder's lease lapses after this; renewed every third of it.
 *  DAG_PROGRESS_INTERVAL (default 5 s): how often progress is logged when stdout is not a terminal. */
export const runnerSettings = Effect.all({
  leaseTtl: durationOr("DAG_LEASE_TTL", "60s"),
  progressInterval: durationOr("DAG_PROGRESS_INTERVAL", "5s")
}).pipe(Effect.orDie)

const holder = `${hostname()}:${process.pid}`

const newRunId = (now: number) =>
  `run_${new Date(now).toISOString().replace(/[-:]/g, "").replace("T", "_").slice(0, 15)}_${randomBytes(3).toString("hex")}`

/** The plan of one run: which nodes, in order, and which steps a resume copies instead of running. */
interface Plan {
  readonly selection: string
  readonly nodes: ReadonlyArray<string>
  readonly copied: ReadonlyMap<string, StepRecord>
  readonly resumedFrom: string | undefined
  readonly limit: number | undefined
  readonly dryRun: boolean
  readonly dryRunStore: RunStoreShape | undefined
}

const describeError = (u: unknown): string => {
  if (typeof u === "string") return u
  if (typeof u === "object" && u !== null) {
    const tag = "_tag" in u && typeof u._tag === "string" ? u._tag : u instanceof Error ? u.name : undefined
    const message = "message" in u && typeof u.message === "string" ? u.message : undefined
    if (message !== undefined && message.length > 0) return tag === undefined ? message : `${tag}: ${message}`
    if (tag !== undefined) return tag
  }
  try {
    return JSON.stringify(u) ?? String(u)
  } catch {
    return String(u)
  }
}

/** What went wrong in a node, masked (an error may quote a CPF, an e-mail or a phone). */
export const describeCause = (cause: Cause.Cause<unknown>): string => {
  const text = (() => {
    const error = Cause.findErrorOption(cause)
    if (Option.isSome(error)) return describeError(error.value)
    const defect = Cause.findDefect(cause)
    if (Result.isSuccess(defect)) return `defect: ${describeError(defect.success)}`
    if (Cause.hasInterrupts(cause)) return "interrupted"
    return Cause.pretty(cause)
  })()
  const masked = maskText(text)
  return masked.length > 2000 ? `${masked.slice(0, 1997)}...` : masked
}

const planSelection = (dag: Dag<any, any>, selection: string, options: RunOptions) =>
  Effect.map(Effect.fromResult(select(dag, selection)), (nodes): Plan => ({
    selection,
    nodes,
    copied: new Map(),
    resumedFrom: undefined,
    limit: options.limit,
    dryRun: options.dryRun === true,
    dryRunStore: options.dryRunStore
  }))

const planResume = (dag: Dag<any, any>, runId: string, options: RunOptions) =>
  Effect.gen(function*() {
    const store = yield* RunStore
    const original = yield* Effect.flatMap(store.getRun(runId), Option.match({
      onNone: () => Effect.fail(new RunNotFound({ runId })),
      onSome: Effect.succeed
    }))
    const steps = new Map(original.steps.map((s) => [s.node, s]))
    const gone = original.steps.filter((s) => !dag.byName.has(s.node)).map((s) => s.node)
    if (gone.length > 0) yield* Effect.logWarning(`resume ${runId}: nodes no longer in the DAG are left out: ${gone.join(", ")}`)
    const copied = new Map(original.steps.filter((s) => s.status === "succeeded" || s.status === "skipped").map((s) => [s.node, s]))
    return {
      selection: original.selection,
      nodes: dag.nodes.map((n) => n.name).filter((n) => steps.has(n)),
      copied,
      resumedFrom: runId,
      limit: options.limit ?? original.limit,
      dryRun: options.dryRun === true,
      dryRunStore: options.dryRunStore
    } satisfies Plan
  })

const planFor = (dag: Dag<any, any>, selection: string, options: RunOptions) =>
  options.resumeFrom === undefined ? planSelection(dag, selection, options) : planResume(dag, options.resumeFrom, options)

interface Prepared {
  readonly runId: string
  readonly store: RunStoreShape
}

// Dry runs keep their records in memory: the database stays exactly as it was.
const prepare = (plan: Plan) =>
  Effect.gen(function*() {
    const store = plan.dryRun ? plan.dryRunStore ?? makeMemory() : yield* RunStore
    const now = yield* Clock.currentTimeMillis
    const abandoned = yield* store.closeAbandoned(now)
    if (abandoned.length > 0) yield* Effect.logWarning(`closed runs whose process stopped: ${abandoned.join(", ")}`)
    const runId = newRunId(now)
    yield* store.createRun({ id: runId, selection: plan.selection, resumedFrom: plan.resumedFrom, limit: plan.limit, holder, startedAt: now })
    yield* store.createSteps(runId, plan.nodes)
    return { runId, store } satisfies Prepared
  })

const execute = <E, R>(dag: Dag<E, R>, plan: Plan, { runId, store }: Prepared) =>
  Effect.gen(function*() {
    const settings = yield* runnerSettings
    const notifier = yield* Notifier
    const budget = yield* Effect.serviceOption(RateBudget)
    const now = Clock.currentTimeMillis
    const selected = new Set(plan.nodes)
    const ended = new Map(plan.nodes.map((n) => [n, Deferred.makeUnsafe<StepStatus>()]))
    // Two nodes sharing a lease never run at once inside one run either.
    const leaseLocks = new Map<string, Semaphore.Semaphore>()
    const lockFor = (key: string) => leaseLocks.get(key) ?? leaseLocks.set(key, Semaphore.makeUnsafe(1)).get(key)!
    const progress: Progress = makeProgress(runId)
    const tty = process.stdout.isTTY === true
    // On a terminal the live lines say it already; routine step logs would break the redraw.
    const logStep = tty ? Effect.logDebug : Effect.logInfo
    const tell = (text: string) => plan.dryRun ? Effect.void : notifier.notify({ text }).pipe(Effect.ignoreCause)

    const budgetPerMs = (node: DagNode<E, R>) =>
      node.budget === undefined || Option.isNone(budget)
        ? Effect.succeed(undefined)
        : budget.value.usage(node.budget).pipe(
          Effect.map((u) => (u.windowMillis > 0 ? u.limit / u.windowMillis : undefined)),
          Effect.catchCause(() => Effect.succeed(undefined))
        )

    const finish = (node: string, end: Omit<Parameters<RunStoreShape["finishStep"]>[2], "at">) =>
      Effect.flatMap(now, (at) => store.finishStep(runId, node, { ...end, at }))

    // Renews the lease every third of its TTL. Fails with LeaseLost when another run took it meanwhile, or when
    // no renewal got through for a whole TTL (the database unreachable: the lease may have lapsed by now).
    const keepLease = (node: string, key: string, since: number): Effect.Effect<never, LeaseLost> => {
      let confirmed = since
      const ttl = Duration.toMillis(settings.leaseTtl)
      return Effect.forever(
        Effect.sleep(Duration.divideUnsafe(settings.leaseTtl, 3)).pipe(
          Effect.andThen(now),
          Effect.flatMap((t) =>
            store.renewLease({ key, runId, holder, now: t, ttl: settings.leaseTtl }).pipe(
              Effect.tap((ours) => Effect.sync(() => (ours ? (confirmed = t) : undefined))),
              Effect.catch((e) =>
                Effect.logWarning("lease renewal failed; retrying at the next tick").pipe(
                  Effect.annotateLogs({ runId, node, reason: e.message }),
                  Effect.as(t - confirmed < ttl)
                )
              )
            )
          ),
          Effect.flatMap((ours) => (ours ? Effect.void : Effect.fail(new LeaseLost({ node, lease: key }))))
        )
      ) as Effect.Effect<never, LeaseLost>
    }

    const runHeld = (node: DagNode<E, R>, key: string) => {
      let recorded = false
      return Effect.gen(function*() {
        const startedAt = yield* now
        yield* store.markRunning(runId, node.name, startedAt)
        yield* logStep("step started").pipe(Effect.annotateLogs({ runId, node: node.name }))
        yield* progress.start(node.name, startedAt, yield* budgetPerMs(node))
        const context = StepContext.of({
          runId,
          node: node.name,
          dryRun: plan.dryRun,
          limit: plan.limit,
          reportProgress: (done, total) => progress.report(node.name, done, total)
        })
        const work = Effect.provideService(node.run, StepContext, context)
        const exit = yield* Effect.exit(plan.dryRun ? work : Effect.raceFirst(work, keepLease(node.name, key, startedAt)))
        yield* progress.end(node.name)
        if (Exit.isSuccess(exit)) {
          recorded = true
          yield* finish(node.name, { status: "succeeded", counts: exit.value, error: undefined, heldBy: undefined, note: undefined })
          yield* logStep("step succeeded").pipe(Effect.annotateLogs({ runId, node: node.name, counts: exit.value }))
          return "succeeded" as const
        }
        const error = describeCause(exit.cause)
        recorded = true
        yield* finish(node.name, { status: "failed", counts: {}, error, heldBy: undefined, note: undefined })
        yield* Effect.logError("step failed").pipe(Effect.annotateLogs({ runId, node: node.name, error }))
        yield* tell(failureAlertText({ runId, selection: plan.selection, node: node.name, error }))
        return "failed" as const
      }).pipe(
        Effect.onInterrupt(() =>
          recorded
            ? Effect.void
            : progress.end(node.name).pipe(
              Effect.andThen(finish(node.name, { status: "failed", counts: {}, error: "interrupted", heldBy: undefined, note: undefined })),
              Effect.catch((e) => Effect.logError("could not record an interrupted step", e.message))
            )
        )
      )
    }

    const runNode = (node: DagNode<E, R>) => {
      const key = node.lease ?? node.name
      const attempt = plan.dryRun
        ? Effect.succeed({ _tag: "Acquired" } as const)
        : Effect.flatMap(now, (t) => store.acquireLease({ key, runId, holder, now: t, ttl: settings.leaseTtl }))
      return lockFor(key).withPermit(Effect.acquireUseRelease(
        attempt,
        (lease) =>
          lease._tag === "Acquired"
            ? runHeld(node, key)
            : finish(node.name, { status: "skipped", counts: {}, error: undefined, heldBy: lease.runId, note: `lease ${key} held` }).pipe(
              Effect.tap(() => logStep("step skipped: running elsewhere").pipe(Effect.annotateLogs({ runId, node: node.name, heldBy: lease.runId }))),
              Effect.as("skipped" as const)
            ),
        (lease) =>
          lease._tag === "Acquired" && !plan.dryRun
            ? store.releaseLease(key, runId).pipe(Effect.catch((e) => Effect.logWarning("lease release failed; it will expire", e.message)))
            : Effect.void
      ))
    }

    const step = (name: string): Effect.Effect<StepStatus, RunStoreFailed, R> => {
      const node = dag.byName.get(name)!
      const copied = plan.copied.get(name)
      const body: Effect.Effect<StepStatus, RunStoreFailed, R> = copied !== undefined
        ? finish(name, {
          status: copied.status === "skipped" ? "skipped" : "succeeded",
          counts: copied.counts,
          error: undefined,
          heldBy: copied.heldBy,
          note: `copied from run ${plan.resumedFrom ?? "?"}`
        }).pipe(Effect.as(copied.status))
        : Effect.gen(function*() {
          const upstream = node.upstream.filter((u) => selected.has(u))
          const statuses = yield* Effect.forEach(upstream, (u) => Deferred.await(ended.get(u)!))
          const failed = upstream.filter((_, i) => statuses[i] === "failed" || statuses[i] === "upstream_failed")
          if (failed.length > 0) {
            yield* finish(name, { status: "upstream_failed", counts: {}, error: `upstream failed: ${failed.join(", ")}`, heldBy: undefined, note: undefined })
            return "upstream_failed" as const
          }
          return yield* runNode(node)
        })
      return body.pipe(Effect.tap((status) => Deferred.succeed(ended.get(name)!, status)))
    }

    const summaryOf = Effect.flatMap(store.getRun(runId), (run) => Effect.succeed(summarize(Option.getOrThrow(run), plan.dryRun)))

    const display = yield* Effect.forkChild(progress.display({ tty, interval: settings.progressInterval }))
    const statuses = yield* Effect.forEach(plan.nodes, step, { concurrency: "unbounded" }).pipe(
      Effect.ensuring(Fiber.interrupt(display)),
      Effect.onInterrupt(() =>
        Effect.gen(function*() {
          yield* store.finishRun(runId, { status: "cancelled", at: yield* now, error: "interrupted" })
          yield* tell(summaryText(yield* summaryOf))
        }).pipe(Effect.catch((e) => Effect.logError("could not record the cancelled run", e.message)))
      ),
      Effect.tapError((e) =>
        Effect.flatMap(now, (at) => store.finishRun(runId, { status: "failed", at, error: e.message })).pipe(Effect.ignore)
      )
    )
    const failed = statuses.some((s) => s === "failed" || s === "upstream_failed")
    yield* store.finishRun(runId, { status: failed ? "failed" : "succeeded", at: yield* now, error: undefined })
    const summary = yield* summaryOf
    yield* tell(summaryText(summary))
    yield* Effect.logInfo("run ended").pipe(Effect.annotateLogs({ runId, status: summary.status }))
    return summary
  })

/** Runs `selection` (or resumes `options.resumeFrom`) to the end and says what happened. */
export const runDag = <E, R>(dag: Dag<E, R>, selection: string, options: RunOptions = {}) =>
  Effect.gen(function*() {
    const plan = yield* planFor(dag, selection, options)
    return yield* execute(dag, plan, yield* prepare(plan))
  }).pipe(Effect.withSpan("runDag", { attributes: { selection, resumeFrom: options.resumeFrom ?? "" } })) as Effect.Effect<
    RunSummary,
    RunError,
    Exclude<R, StepContext> | RunStore | Notifier
  >

/** A new run (resumed_from = runId) that re-executes the failed, upstream_failed and unfinished steps of that run. */
export const resume = <E, R>(dag: Dag<E, R>, runId: string, options: Omit<RunOptions, "resumeFrom"> = {}) =>
  runDag(dag, "", { ...options, resumeFrom: runId })

/**
 * For the API server: fails with NodeBusy when a selected node is running elsewhere; otherwise records the
 * run and returns its id at once, the steps running in a fiber of the given Scope.
 */
export const startRun = <E, R>(dag: Dag<E, R>, selection: string, options: RunOptions = {}) =>
  Effect.gen(function*() {
    const plan = yield* planFor(dag, selection, options)
    if (!plan.dryRun) {
      const store = yield* RunStore
      const t = yield* Clock.currentTimeMillis
      for (const name of plan.nodes) {
        if (plan.copied.has(name)) continue
        const key = dag.byName.get(name)!.lease ?? name
        const held = yield* store.leaseHolder(key, t)
        if (Option.isSome(held)) return yield* new NodeBusy({ node: name, heldBy: held.value.runId })
      }
    }
    const prepared = yield* prepare(plan)
    const scope = yield* Scope.Scope
    yield* Effect.forkIn(
      execute(dag, plan, prepared).pipe(Effect.catch((e) => Effect.logError("run could not complete", e.message))),
      scope
    )
    return prepared.runId
  }) as Effect.Effect<string, RunError | NodeBusy, Exclude<R, StepContext> | RunStore | Notifier | Scope.Scope>
