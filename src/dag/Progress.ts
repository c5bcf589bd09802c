// Progress of running steps: done/total, rate, ETA. On a terminal a live line per running step; otherwise
// a log line per running step every `interval` (annotations: runId, node, done, total, ratePerSecond,
// etaSeconds). Counts only: no personal data.
import { Duration, Effect } from "effect"
import { formatDuration } from "./Summary.ts"

export interface StepProgress {
  readonly node: string
  readonly startedAt: number
  readonly done: number
  readonly total: number | undefined
  /** Sustained requests per millisecond allowed by the node's upstream budget, when budget-bound. */
  readonly budgetPerMs: number | undefined
}

export interface Estimate {
  readonly ratePerSecond: number | undefined
  readonly etaMs: number | undefined
}

/**
 * A budget-bound step cannot go faster than its budget for long (a burst fills the window first), so
 * its ETA is remaining / budget; the slower of the observed rate and the budget wins. Otherwise the
 * observed rate.
 */
export const estimate = (p: StepProgress, now: number): Estimate => {
  const elapsed = now - p.startedAt
  const observedPerMs = elapsed > 0 && p.done > 0 ? p.done / elapsed : undefined
  const perMs = p.budgetPerMs === undefined
    ? observedPerMs
    : observedPerMs === undefined ? p.budgetPerMs : Math.min(observedPerMs, p.budgetPerMs)
  const remaining = p.total === undefined ? undefined : Math.max(0, p.total - p.done)
  return {
    ratePerSecond: observedPerMs === undefined ? undefined : observedPerMs * 1000,
    etaMs: remaining === undefined || perMs === undefined || perMs <= 0 ? undefined : remaining / perMs
  }
}

export const progressLine = (p: StepProgress, now: number): string => {
  const e = estimate(p, now)
  const of = p.total === undefined ? `${p.done}` : `${p.done}/${p.total}`
  const rate = e.ratePerSecond === undefined ? "-" : `${e.ratePerSecond.toFixed(1)}/s`
  const eta = e.etaMs === undefined ? "" : `  ETA ${formatDuration(e.etaMs)}`
  const budget = p.budgetPerMs === undefined ? "" : "  (budget-bound)"
  return `${p.node.padEnd(14)} ${of.padStart(11)}  ${rate.padStart(8)}  ${formatDuration(now - p.startedAt)}${eta}${budget}`
}

export interface Progress {
  readonly start: (node: string, startedAt: number, budgetPerMs: number | undefined) => Effect.Effect<void>
  readonly report: (node: string, done: number, total: number | undefined) => Effect.Effect<void>
  readonly end: (node: string) => Effect.Effect<void>
  readonly running: Effect.Effect<ReadonlyArray<StepProgress>>
  /** Runs until interrupted: the live display or the periodic log lines. */
  readonly display: (options: { readonly tty: boolean; readonly interval: Duration.Duration }) => Effect.Effect<never>
}

export const makeProgress = (runId: string): Progress => {
  const steps = new Map<string, StepProgress>()
  let drawn = 0
  const now = Effect.clockWith((clock) => clock.currentTimeMillis)

  const draw = (lines: ReadonlyArray<string>) =>
    Effect.sync(() => {
      // move up over the previous frame, clear it, write the new one
      const up = drawn > 0 ? `\x1b[${drawn}A` : ""
      const clear = "\x1b[0J"
      process.stdout.write(`${up}\r${clear}${lines.map((l) => `${l}\n`).join("")}`)
      drawn = lines.length
    })

  const logAll = Effect.gen(function*() {
    const t = yield* now
    for (const p of steps.values()) {
      const e = estimate(p, t)
      yield* Effect.logInfo("step progress").pipe(Effect.annotateLogs({
        runId,
        node: p.node,
        done: p.done,
        total: p.total ?? null,
        ratePerSecond: e.ratePerSecond === undefined ? null : Number(e.ratePerSecond.toFixed(2)),
        etaSeconds: e.etaMs === undefined ? null : Math.round(e.etaMs / 1000)
      }))
    }
  })

  return {
    start: (node, startedAt, budgetPerMs) =>
      Effect.sync(() => {
        steps.set(node, { node, startedAt, done: 0, total: undefined, budgetPerMs })
      }),
    report: (node, done, total) =>
      Effect.sync(() => {
        const p = steps.get(node)
        if (p !== undefined) steps.set(node, { ...p, done, total })
      }),
    end: (node) => Effect.sync(() => void steps.delete(node)),
    running: Effect.sync(() => [...steps.values()]),
    display: ({ interval, tty }) => {
      const tick = tty
        ? Effect.flatMap(now, (t) => draw([...steps.values()].map((p) => progressLine(p, t))))
        : logAll
      // a terminal redraws every second at most; logs go at the configured interval
      const every = tty ? Duration.min(interval, Duration.seconds(1)) : interval
      return Effect.forever(Effect.andThen(Effect.sleep(every), tick)).pipe(
        Effect.ensuring(tty ? draw([]) : Effect.void)
      ) as Effect.Effect<never>
    }
  }
}
