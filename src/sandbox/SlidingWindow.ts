// A sliding-window limiter as an API gateway counts it: at most `limit` accepted requests in ANY window of
// `windowMs`. A request at time s occupies the window until s + windowMs (exclusive).

export interface SlidingWindow {
  /** undefined when one more request fits at `at`; else the milliseconds until the oldest one leaves. */
  readonly check: (at: number) => number | undefined
  readonly record: (at: number) => void
}

export const makeSlidingWindow = (limit: number, windowMs: number): SlidingWindow => {
  const accepted: Array<number> = []
  const prune = (at: number) => {
    while (accepted.length > 0 && accepted[0]! <= at - windowMs) accepted.shift()
  }
  return {
    check: (at) => {
      prune(at)
      return accepted.length < limit ? undefined : accepted[accepted.length - limit]! + windowMs - at
    },
    record: (at) => {
      accepted.push(at)
    }
  }
}

/** Retry-After in whole seconds, rounded up, at least 1. */
export const retryAfterSeconds = (waitMs: number): number => Math.max(1, Math.ceil(waitMs / 1000))

/** The largest number of timestamps inside any half-open window [s, s + windowMs). */
export const maxInWindow = (times: ReadonlyArray<number>, windowMs: number): number => {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++
    best = Math.max(best, end - start + 1)
  }
  return best
}
