// The API's view of the DAG runner: start a run (its id at once, the steps in the background), list runs,
// get one. Real runs are read back from RunStore; dry runs are kept by the runner in a private memory
// store, so this module follows them itself (through the StepContext each node sees) and keeps the last
// ones in memory: the operator who pressed "dry run" sees it in the runs list like any other.
import { Clock, Context, Effect, Exit, Layer, Option, Scope } from "effect"
import type { Counts, Dag, DagNode } from "../dag/Node.ts"
import { RunStore, type RunRecord, type RunStatus, type RunStoreFailed, type StepRecord, type StepStatus } from "../dag/RunStore.ts"
import { describeCause, type NodeBusy, type RunError, startRun } from "../dag/Runner.ts"
import { select, type UnknownSelection } from "../dag/Selection.ts"
import { StepContext } from "../dag/StepContext.ts"
import type { Notifier } from "../services/Notifier.ts"

export interface RunView extends RunRecord {
  readonly dryRun: boolean
}

export interface RunsShape {
  /** Fails with UnknownSelection (400), NodeBusy (409); the run goes on after the request. */
  readonly start: (selection: string, options: { readonly dryRun: boolean; readonly limit?: number | undefined }) => Effect.Effect<
    string,
    UnknownSelection | NodeBusy | RunStoreFailed | RunError
  >
  /** Latest first: recorded runs and this process's dry runs. */
  readonly list: (limit: number) => Effect.Effect<ReadonlyArray<RunView>, RunStoreFailed>
  readonly get: (runId: string) => Effect.Effect<Option.Option<RunView>, RunStoreFailed>
  /** The node names of the graph, in order (for the dashboard's selection list). */
  readonly nodes: ReadonlyArray<string>
}

export class Runs extends Context.Service<Runs, RunsShape>()("kroton-leads/http/Runs") {
  /** Over the runner and RunStore; runs live in the layer's scope (interrupted, and recorded cancelled, at shutdown). */
  static readonly layer = <E, R>(dag: Dag<E, R>): Layer.Layer<Runs, never, R | RunStore | Notifier> =>
    Layer.effect(Runs, make(dag)) as Layer.Layer<Runs, never, R | RunStore | Notifier>
}

const keptDryRuns = 50

interface DryRun {
  run: Omit<RunRecord, "steps">
  readonly steps: Array<StepRecord>
}

/** Dry runs, as seen from inside their nodes. */
export const makeDryRunLog = (dag: Dag<any, any>) => {
  const runs = new Map<string, DryRun>()
  const pendingStep = (node: string, position: number): StepRecord => ({
    node,
    position,
    status: "pending",
    startedAt: undefined,
    finishedAt: undefined,
    counts: {},
    error: undefined,
    heldBy: undefined,
    note: undefined
  })
  const ensure = (runId: string, startedAt: number): DryRun => {
    const existing = runs.get(runId)
    if (existing !== undefined) return existing
    const created: DryRun = {
      run: { id: runId, selection: "?", status: "running", resumedFrom: undefined, limit: undefined, holder: undefined, startedAt, finishedAt: undefined, error: undefined },
      steps: []
    }
    runs.set(runId, created)
    // keep the newest only
    for (const id of [...runs.keys()].slice(0, Math.max(0, runs.size - keptDryRuns))) runs.delete(id)
    return created
  }
  const setStep = (dry: DryRun, node: string, f: (s: StepRecord) => StepRecord) => {
    const index = dry.steps.findIndex((s) => s.node === node)
    if (index < 0) dry.steps.push(f(pendingStep(node, dry.steps.length)))
    else dry.steps[index] = f(dry.steps[index]!)
  }
  // Downstream of a failed step never runs: mark it as the runner does; the run ends when no step is left.
  const settle = (dry: DryRun, now: number) => {
    let changed = true
    while (changed) {
      changed = false
      for (const step of dry.steps) {
        if (step.status !== "pending") continue
        const upstream = dag.byName.get(step.node)?.upstream ?? []
        const failed = upstream.filter((u) => dry.steps.some((s) => s.node === u && (s.status === "failed" || s.status === "upstream_failed")))
        if (failed.length > 0) {
          setStep(dry, step.node, (s) => ({ ...s, status: "upstream_failed", error: `upstream failed: ${failed.join(", ")}`, finishedAt: now }))
          changed = true
        }
      }
    }
    const open = dry.steps.some((s) => s.status === "pending" || s.status === "running")
    if (!open && dry.steps.length > 0 && dry.run.status === "running") {
      const failed = dry.steps.some((s) => s.status === "failed" || s.status === "upstream_failed")
      const status: RunStatus = failed ? "failed" : "succeeded"
      dry.run = { ...dry.run, status, finishedAt: now }
    }
  }
  return {
    /** Called right after startRun returned: the selection and its planned steps. */
    started: (runId: string, selection: string, nodes: ReadonlyArray<string>, limit: number | undefined, at: number) => {
      const dry = ensure(runId, at)
      dry.run = { ...dry.run, selection, limit }
      nodes.forEach((node, position) => {
        if (!dry.steps.some((s) => s.node === node)) dry.steps.push(pendingStep(node, position))
      })
      dry.steps.sort((a, b) => nodes.indexOf(a.node) - nodes.indexOf(b.node))
      dry.steps.forEach((s, i) => (dry.steps[i] = { ...s, position: i }))
      settle(dry, at)
    },
    stepStarted: (runId: string, node: string, at: number) =>
      setStep(ensure(runId, at), node, (s) => ({ ...s, status: "running" as StepStatus, startedAt: at })),
    stepEnded: (runId: string, node: string, at: number, exit: Exit.Exit<Counts, unknown>) => {
      const dry = ensure(runId, at)
      setStep(dry, node, (s) =>
        Exit.isSuccess(exit)
          ? { ...s, status: "succeeded", finishedAt: at, counts: exit.value }
          : { ...s, status: "failed", finishedAt: at, error: describeCause(exit.cause) })
      settle(dry, at)
    },
    list: (): ReadonlyArray<RunView> => [...runs.values()].map((d) => ({ ...d.run, steps: [...d.steps], dryRun: true })),
    get: (runId: string): Option.Option<RunView> =>
      Option.fromNullishOr(runs.get(runId)).pipe(Option.map((d) => ({ ...d.run, steps: [...d.steps], dryRun: true })))
  }
}

/** The same graph, each node reporting its dry-run steps to `log` (real runs pass through untouched). */
export const trackDryRuns = <E, R>(dag: Dag<E, R>, log: ReturnType<typeof makeDryRunLog>): Dag<E, R> => {
  const wrap = (node: DagNode<E, R>): DagNode<E, R> => ({
    ...node,
    run: Effect.gen(function*() {
      const step = yield* StepContext
      if (!step.dryRun) return yield* node.run
      log.stepStarted(step.runId, step.node, yield* Clock.currentTimeMillis)
      const exit = yield* Effect.exit(node.run)
      log.stepEnded(step.runId, step.node, yield* Clock.currentTimeMillis, exit)
      return yield* exit
    })
  })
  const nodes = dag.nodes.map(wrap)
  return { nodes, byName: new Map(nodes.map((n) => [n.name, n])), downstream: dag.downstream }
}

const make = <E, R>(dag: Dag<E, R>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.Scope
    const context = yield* Effect.context<R | RunStore | Notifier>()
    const store = yield* RunStore
    const log = makeDryRunLog(dag)
    const tracked = trackDryRuns(dag, log)

    const start: RunsShape["start"] = (selection, options) =>
      Effect.gen(function*() {
        const at = yield* Clock.currentTimeMillis
        const nodes = yield* Effect.fromResult(select(dag, selection))
        const runId = yield* startRun(tracked, selection, { dryRun: options.dryRun, limit: options.limit }).pipe(
          Effect.provideService(Scope.Scope, scope)
        )
        if (options.dryRun) log.started(runId, selection, nodes, options.limit, at)
        return runId
      }).pipe(Effect.provideContext(context), Effect.withSpan("Runs.start", { attributes: { selection, dryRun: options.dryRun } }))

    const list: RunsShape["list"] = (limit) =>
      Effect.map(store.listRuns(limit), (recorded) =>
        [...recorded.map((r): RunView => ({ ...r, dryRun: false })), ...log.list()]
          .sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1))
          .slice(0, limit))

    const get: RunsShape["get"] = (runId) =>
      Option.match(log.get(runId), {
        onSome: (run) => Effect.succeed(Option.some(run)),
        onNone: () => Effect.map(store.getRun(runId), Option.map((r): RunView => ({ ...r, dryRun: false })))
      })

    return Runs.of({ start, list, get, nodes: dag.nodes.map((n) => n.name) })
  })

