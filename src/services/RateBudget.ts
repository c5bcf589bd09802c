// One request budget per upstream, shared by every process on the same database: at most `limit`
// requests in ANY sliding window of `window` (Kroton: 100 per 5 minutes), token requests included.
//
// Algorithm: an exact sliding-window log (never a fixed window or token bucket, which let up to 2x the
// limit through one sliding window at a boundary). Each grant is recorded; a request is granted when
// fewer than `limit` grants lie in (now - window - margin, ...]. The margin covers the gap between our
// acquire and the server's receipt, so that the server never counts limit + 1 in its own window.
import { Clock, Context, Duration, Effect, Layer, Semaphore } from "effect"
import type { SqlClient } from "effect/sql"
import { type BudgetStore, memoryStore } from "./upstream/BudgetStore.ts"
import * as PgBudgetStore from "./upstream/PgBudgetStore.ts"
import { rateLimitOr, type RateLimitSetting, type SettingInvalid } from "./upstream/Settings.ts"

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

export interface BudgetOptions {
  /** per upstream: a limit, or "off" (acquire costs nothing, not even a database round trip) */
  readonly limits: Readonly<Record<Upstream, RateLimitSetting>>
  /** extra width added to the window against network jitter; default `defaultMargin(window)` */
  readonly margin?: (window: Duration.Duration) => Duration.Duration
}

/** 1% of the window, between 10 ms and 1 s: 1 s of 5 minutes (99.7% utilisation), 20 ms of 2 s (99%). */
export const defaultMargin = (window: Duration.Duration): Duration.Duration =>
  Duration.millis(Math.min(1000, Math.max(50, Duration.toMillis(window) * 0.01)))

export const defaultLimits: Readonly<Record<Upstream, string>> = { kroton: "100/5m", catalog: "100/5m", ibge: "60/1m" }

export interface RateBudgetShape {
  /** Waits until one more request to `upstream` fits the budget, and records it. */
  readonly acquire: (upstream: Upstream) => Effect.Effect<void>
  /** A 429 came anyway: no process sends to `upstream` for `retryAfter`; counted. */
  readonly throttled: (upstream: Upstream, retryAfter: Duration.Duration) => Effect.Effect<void>
  readonly usage: (upstream: Upstream) => Effect.Effect<BudgetUsage>
}

export class RateBudget extends Context.Service<RateBudget, RateBudgetShape>()("kroton-leads/RateBudget") {
  /** Live: the log in PostgreSQL (SqlClient), limits from KROTON_RATE_LIMIT, OFFER_CATALOG_RATE_LIMIT, IBGE_RATE_LIMIT. */
  static readonly layer: Layer.Layer<RateBudget, SettingInvalid, SqlClient.SqlClient> = Layer.effect(
    this,
    Effect.gen(function*() {
      const limits = yield* limitsFromConfig
      return yield* makeWithStore(yield* PgBudgetStore.make, { limits })
    })
  )

  /** The PostgreSQL log with explicit options (tests, benchmarks). */
  static readonly layerWith = (options: BudgetOptions): Layer.Layer<RateBudget, never, SqlClient.SqlClient> =>
    Layer.effect(this, Effect.flatMap(PgBudgetStore.make, (store) => makeWithStore(store, options)))

  /** In memory, same algorithm, default limits (100/5m, 100/5m, 60/1m); Clock-driven (TestClock in tests). */
  static readonly layerTest: Layer.Layer<RateBudget> = Layer.effect(
    this,
    Effect.suspend(() => makeWithStore(memoryStore(), { limits: parsedDefaults() }))
  )

  /** In memory with chosen limits, or on a given memory store (several instances sharing one log). */
  static readonly layerMemory = (options: BudgetOptions, store: BudgetStore = memoryStore()): Layer.Layer<RateBudget> =>
    Layer.effect(this, makeWithStore(store, options))

  /** No limit anywhere (pipeline benchmarks with the limit lifted). */
  static readonly layerUnlimited: Layer.Layer<RateBudget> = Layer.effect(
    this,
    Effect.suspend(() => makeWithStore(memoryStore(), { limits: { kroton: "off", catalog: "off", ibge: "off" } }))
  )
}

const parsedDefaults = (): Record<Upstream, RateLimitSetting> => ({
  kroton: { limit: 100, window: Duration.minutes(5) },
  catalog: { limit: 100, window: Duration.minutes(5) },
  ibge: { limit: 60, window: Duration.minutes(1) }
})

export const limitsFromConfig: Effect.Effect<Record<Upstream, RateLimitSetting>, SettingInvalid> = Effect.all({
  kroton: rateLimitOr("KROTON_RATE_LIMIT", defaultLimits.kroton),
  catalog: rateLimitOr("OFFER_CATALOG_RATE_LIMIT", defaultLimits.catalog),
  ibge: rateLimitOr("IBGE_RATE_LIMIT", defaultLimits.ibge)
})

/** The service over any store: one waiting fiber per upstream and process talks to the store. */
export const makeWithStore = (store: BudgetStore, options: BudgetOptions): Effect.Effect<RateBudgetShape> =>
  Effect.gen(function*() {
    const marginOf = options.margin ?? defaultMargin
    const gates = {
      kroton: yield* Semaphore.make(1),
      catalog: yield* Semaphore.make(1),
      ibge: yield* Semaphore.make(1)
    }

    const acquire = (upstream: Upstream): Effect.Effect<void> => {
      const setting = options.limits[upstream]
      if (setting === "off") return Effect.void
      const windowMs = Duration.toMillis(setting.window) + Duration.toMillis(marginOf(setting.window))
      const attempt: Effect.Effect<void> = Effect.gen(function*() {
        while (true) {
          const decision = yield* store.tryGrant(upstream, setting.limit, windowMs)
          if (decision._tag === "Granted") return
          const now = yield* Clock.currentTimeMillis
          if (decision.until > now) yield* Effect.sleep(Duration.millis(decision.until - now))
        }
      })
      // fibers of this process queue here (FIFO), so waiting costs one store round trip per opening
      return gates[upstream].withPermits(1)(attempt).pipe(Effect.withSpan("RateBudget.acquire", { attributes: { upstream } }))
    }

    const throttled = (upstream: Upstream, retryAfter: Duration.Duration) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => store.pause(upstream, now + Duration.toMillis(retryAfter))).pipe(
        Effect.withSpan("RateBudget.throttled", { attributes: { upstream, retryAfterMs: Duration.toMillis(retryAfter) } })
      )

    const usage = (upstream: Upstream): Effect.Effect<BudgetUsage> => {
      const setting = options.limits[upstream]
      if (setting === "off") {
        return Effect.succeed({ upstream, limit: Number.POSITIVE_INFINITY, windowMillis: 0, used: 0, pausedUntil: undefined })
      }
      const windowMillis = Duration.toMillis(setting.window)
      return Effect.map(store.usage(upstream, windowMillis), (u) => ({ upstream, limit: setting.limit, windowMillis, ...u }))
    }

    return { acquire, throttled, usage }
  })
