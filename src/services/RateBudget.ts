// One request budget per upstream, shared by every process on the same database: at most `limit`
// requests in ANY sliding window of `window` (Kroton: 100 per 5 minutes), token requests included.
import { Context, type Duration, type Effect } from "effect"

export type Upstream = "kroton" | "catalog" | "ibge"
export const upstreams: ReadonlyArray<Upstream> = ["kroton", "catalog", "ibge"]

export interface RateLimit {
  readonly limit: number
  readonly window: Duration.Duration
}

export interface BudgetUsage {
  readonly upstream: Upstream
  readonly limit: number
  readonly windowMillis: number
  /** grants inside the current sliding window */
  readonly used: number
  /** epoch millis until which a 429 paused the upstream, if any */
  readonly pausedUntil: number | undefined
}

export class RateBudget extends Context.Service<RateBudget, {
  /** Waits until one more request to `upstream` fits the budget, and records it. */
  readonly acquire: (upstream: Upstream) => Effect.Effect<void>
  /** A 429 came anyway: no process sends to `upstream` for `retryAfter`; counted. */
  readonly throttled: (upstream: Upstream, retryAfter: Duration.Duration) => Effect.Effect<void>
  readonly usage: (upstream: Upstream) => Effect.Effect<BudgetUsage>
}>()("kroton-leads/RateBudget") {}
