// The API's view of the DAG runner: start a run (its id at once, the steps in the background), list runs,
// get one. Real runs are read back from RunStore; dry runs write nothing to the database, so the runner keeps
// their records in a memory store of this process: the operator who pressed "dry run" sees it in the runs
// list like any other (until the server restarts).
import { Context, Effect, Layer, Option, Scope } from "effect"
import type { Dag } from "../dag/Node.ts"
import { makeMemory, RunStore, type RunRecord, type RunStoreFailed } from "../dag/RunStore.ts"
import { type NodeBusy, type RunError, startRun } from "../dag/Runner.ts"
import type { UnknownSelection } from "../dag/Selection.ts"
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

const make = <E, R>(dag: Dag<E, R>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.Scope
    const context = yield* Effect.context<R | RunStore | Notifier>()
    const store = yield* RunStore
    const dryRuns = makeMemory()

    const start: RunsShape["start"] = (selection, options) =>
      startRun(dag, selection, { dryRun: options.dryRun, limit: options.limit, dryRunStore: dryRuns }).pipe(
        Effect.provideService(Scope.Scope, scope),
        Effect.provideContext(context),
        Effect.withSpan("Runs.start", { attributes: { selection, dryRun: options.dryRun } })
      )

    const list: RunsShape["list"] = (limit) =>
      Effect.map(Effect.all([store.listRuns(limit), dryRuns.listRuns(limit)]), ([recorded, dry]) =>
        [...recorded.map((r): RunView => ({ ...r, dryRun: false })), ...dry.map((r): RunView => ({ ...r, dryRun: true }))]
          .sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1))
          .slice(0, limit))

    const get: RunsShape["get"] = (runId) =>
      Effect.flatMap(dryRuns.getRun(runId), Option.match({
        onSome: (run) => Effect.succeed(Option.some<RunView>({ ...run, dryRun: true })),
        onNone: () => Effect.map(store.getRun(runId), Option.map((r): RunView => ({ ...r, dryRun: false })))
      }))

    return Runs.of({ start, list, get, nodes: dag.nodes.map((n) => n.name) })
  })
