import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Logger, Option, References } from "effect"
import { TestClock } from "effect/testing"
import { estimate, makeProgress, progressLine } from "../../src/dag/Progress.ts"
import { makeMemory } from "../../src/dag/RunStore.ts"
import { failureAlertText, formatDuration, type RunSummary, summaryText } from "../../src/dag/Summary.ts"

const summary: RunSummary = {
  runId: "run_20261201_100000_abcdef",
  selection: "allJobs",
  status: "failed",
  dryRun: false,
  resumedFrom: undefined,
  durationMs: 192_000,
  error: undefined,
  steps: [
    { node: "fixData", status: "succeeded", counts: { inferred: 30, unknown: 2 }, durationMs: 12_000, error: undefined, heldBy: undefined, note: undefined },
    { node: "syncCourses", status: "failed", counts: {}, durationMs: 62_000, error: "KrotonUnavailable: lead 37845760870 joao@x.com.br timed out", heldBy: undefined, note: undefined },
    { node: "register", status: "upstream_failed", counts: {}, durationMs: undefined, error: "upstream failed: syncCourses", heldBy: undefined, note: undefined },
    { node: "checker", status: "skipped", counts: {}, durationMs: 0, error: undefined, heldBy: "run_other", note: undefined }
  ]
}

describe("summary texts", () => {
  it("the end-of-run summary has counts per step and outcome, durations, no PII, no links", () => {
    const text = summaryText(summary)
    assert.strictEqual(text, [
      "run run_20261201_100000_abcdef (allJobs) failed in 3m 12s",
      "- fixData: succeeded in 12s: inferred 30, unknown 2",
      "- syncCourses: FAILED in 1m 02s: KrotonUnavailable: lead ***.457.***-** j***@x***.br timed out",
      "- register: not run: upstream failed: syncCourses",
      "- checker: skipped: already running in run run_other"
    ].join("\n"))
    assert.notMatch(text, /https?:/)
  })

  it("the failure alert is masked too", () => {
    const text = failureAlertText({ runId: "r1", selection: "register", node: "register", error: "409 for 378.457.608-70" })
    assert.strictEqual(text, "step register FAILED in run r1 (register): 409 for ***.457.***-**")
  })

  it("durations read naturally", () => {
    assert.deepStrictEqual([450, 1_000, 59_400, 61_000, 3_725_000].map(formatDuration), ["450ms", "1s", "59s", "1m 01s", "1h 02m"])
  })
})

describe("progress", () => {
  const base = { node: "register", startedAt: 0, done: 50, total: 250, budgetPerMs: undefined }

  it("ETA from the observed rate", () => {
    const e = estimate(base, 10_000)
    assert.strictEqual(e.ratePerSecond, 5)
    assert.strictEqual(e.etaMs, 40_000)
    assert.strictEqual(progressLine(base, 10_000), "register            50/250     5.0/s  10s  ETA 40s")
  })

  it("ETA from the budget when budget-bound (100 per 5 minutes), even after a fast burst", () => {
    const e = estimate({ ...base, budgetPerMs: 100 / 300_000 }, 10_000)
    // 200 remaining at 1 request per 3 s
    assert.strictEqual(Math.round(e.etaMs!), 600_000)
  })

  it("no total or nothing done yet: no ETA", () => {
    assert.strictEqual(estimate({ ...base, total: undefined }, 10_000).etaMs, undefined)
    assert.strictEqual(estimate({ ...base, done: 0 }, 10_000).etaMs, undefined)
  })

  it.effect("off a terminal, a log line per running step at each interval, with counts only", () =>
    Effect.gen(function*() {
      const lines: Array<{ message: unknown; annotations: Record<string, unknown> }> = []
      const logger = Logger.make<unknown, void>((o) => {
        lines.push({ message: o.message, annotations: { ...o.fiber.getRef(References.CurrentLogAnnotations) } })
      })
      const progress = makeProgress("run_1")
      yield* progress.start("register", 0, undefined)
      yield* progress.report("register", 20, 100)
      const fiber = yield* Effect.forkChild(
        progress.display({ tty: false, interval: Duration.seconds(5) }).pipe(Effect.provide(Logger.layer([logger])))
      )
      yield* TestClock.adjust(Duration.seconds(4))
      assert.strictEqual(lines.length, 0)
      yield* TestClock.adjust(Duration.seconds(1))
      assert.strictEqual(lines.length, 1)
      assert.deepStrictEqual(lines[0]!.annotations, { runId: "run_1", node: "register", done: 20, total: 100, ratePerSecond: 4, etaSeconds: 20 })
      yield* progress.end("register")
      yield* TestClock.adjust(Duration.seconds(5))
      assert.strictEqual(lines.length, 1)
      yield* Fiber.interrupt(fiber)
    }))
})

describe("memory RunStore", () => {
  it.effect("leases: held until expiry or release; renew only by the holder", () =>
    Effect.gen(function*() {
      const store = makeMemory()
      const req = (runId: string, now: number) => ({ key: "checker", runId, holder: "h", now, ttl: Duration.seconds(60) })
      assert.strictEqual((yield* store.acquireLease(req("a", 0)))._tag, "Acquired")
      assert.deepStrictEqual(yield* store.acquireLease(req("b", 1000)), { _tag: "Held", runId: "a", holder: "h" })
      assert.isFalse(yield* store.renewLease(req("b", 1000)))
      assert.isTrue(yield* store.renewLease(req("a", 30_000)))
      assert.strictEqual((yield* store.acquireLease(req("b", 89_000)))._tag, "Held")
      assert.strictEqual((yield* store.acquireLease(req("b", 90_001)))._tag, "Acquired")
      yield* store.releaseLease("checker", "a") // not a's any more: no effect
      assert.strictEqual(Option.getOrThrow(yield* store.leaseHolder("checker", 90_001)).runId, "b")
      yield* store.releaseLease("checker", "b")
      assert.isTrue(Option.isNone(yield* store.leaseHolder("checker", 90_001)))
    }))
})
