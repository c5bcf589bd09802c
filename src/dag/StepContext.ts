// What a running node knows about its step: which run, dry-run or not, the lead limit, and a way to
// report progress (done of total) for the live display and the JSON progress log.
import { Context, Effect } from "effect"

export interface StepContextShape {
  readonly runId: string
  readonly node: string
  /** Decide and count, but change nothing outside (no writes, no POSTs). */
  readonly dryRun: boolean
  /** At most this many leads in this step (undefined: all). */
  readonly limit: number | undefined
  readonly reportProgress: (done: number, total: number | undefined) => Effect.Effect<void>
}

export class StepContext extends Context.Service<StepContext, StepContextShape>()("kroton-leads/StepContext") {
  /** A context for calling a node outside the runner (tests, scripts). */
  static readonly standalone = (options: { readonly node?: string; readonly dryRun?: boolean; readonly limit?: number } = {}) =>
    StepContext.of({
      runId: "standalone",
      node: options.node ?? "standalone",
      dryRun: options.dryRun ?? false,
      limit: options.limit,
      reportProgress: () => Effect.void
    })
}
