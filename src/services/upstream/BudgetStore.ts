// Where the sliding-window log of a rate budget lives (PostgreSQL for the program, memory for tests),
// and the one decision both stores make: grant now, or wait until a given instant.
import { Clock, Effect } from "effect"
import type { Upstream } from "../RateBudget.ts"

export type Decision =
  | { readonly _tag: "Granted"; readonly at: number }
  | { readonly _tag: "Wait"; readonly until: number }

/**
 * `blockingAt` is the limit-th newest grant after `now - windowMs` (undefined while the window has room).
 * A request fits once that grant has left the window and no pause is running.
 */
export const decide = (
  now: number,
  windowMs: number,
  blockingAt: number | undefined,
  pausedUntil: number | undefined
): Decision => {
  const until = Math.max(
    pausedUntil ?? Number.NEGATIVE_INFINITY,
    blockingAt === undefined ? Number.NEGATIVE_INFINITY : blockingAt + windowMs
  )
  return until > now ? { _tag: "Wait", until } : { _tag: "Granted", at: now }
}

export interface BudgetStore {
  /** Atomically (against every process sharing the store): grant one request at the Clock's now, or say until when to wait. */
  readonly tryGrant: (upstream: Upstream, limit: number, windowMs: number) => Effect.Effect<Decision>
  /** No grant before `until` (epoch ms); a shorter pause never shortens a longer one. Counts a 429. */
  readonly pause: (upstream: Upstream, until: number) => Effect.Effect<void>
  readonly usage: (upstream: Upstream, windowMs: number) => Effect.Effect<{ readonly used: number; readonly pausedUntil: number | undefined }>
  /** Grant timestamps still kept (oldest first): for tests and benchmarks. */
  readonly grants: (upstream: Upstream) => Effect.Effect<ReadonlyArray<number>>
}

/** The same log in memory (tests): one store shared by every service built on it. */
export const memoryStore = (): BudgetStore & { readonly events: Array<{ upstream: Upstream; kind: string; at: number }> } => {
  const log = new Map<Upstream, Array<number>>()
  const pauses = new Map<Upstream, number>()
  const events: Array<{ upstream: Upstream; kind: string; at: number }> = []
  const grantsOf = (upstream: Upstream) => {
    let list = log.get(upstream)
    if (list === undefined) log.set(upstream, list = [])
    return list
  }
  return {
    events,
    tryGrant: (upstream, limit, windowMs) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const list = grantsOf(upstream)
        const inWindow = list.filter((at) => at > now - windowMs)
        const decision = decide(now, windowMs, inWindow[inWindow.length - limit], pauses.get(upstream))
        if (decision._tag === "Granted") {
          // trim what can no longer matter, as the PostgreSQL store does
          log.set(upstream, [...list.filter((at) => at >= now - 2 * windowMs), now])
        }
        return decision
      }),
    pause: (upstream, until) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        pauses.set(upstream, Math.max(pauses.get(upstream) ?? 0, until))
        events.push({ upstream, kind: "429", at: now })
      }),
    usage: (upstream, windowMs) =>
      Effect.map(Clock.currentTimeMillis, (now) => ({
        used: grantsOf(upstream).filter((at) => at > now - windowMs && at <= now).length,
        pausedUntil: pauses.get(upstream)
      })),
    grants: (upstream) => Effect.sync(() => [...grantsOf(upstream)])
  }
}
