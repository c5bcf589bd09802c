import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Layer, Option, Queue } from "effect"
import { Notifier } from "../../src/services/Notifier.ts"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { maskText } from "../../src/domain/Mask.ts"
import { RunStore } from "../../src/dag/RunStore.ts"
import { resume, runDag, startRun } from "../../src/dag/Runner.ts"
import { StepContext } from "../../src/dag/StepContext.ts"
import { databaseKinds } from "../support/database.ts"
import { dagOf, dumpTables, fake, recordingNotifier, storeLayer } from "./support.ts"

const stepOf = (summary: { readonly steps: ReadonlyArray<{ readonly node: string }> }, node: string) =>
  summary.steps.find((s) => s.node === node) as any

describe.each(databaseKinds)("runner (%s)", (kind) => {
  it.effect("starts a node after its upstreams; siblings run at the same time; records steps and counts", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const events: Array<string> = []
      const bStarted = yield* Deferred.make<void>()
      const cStarted = yield* Deferred.make<void>()
      const log = (e: string) => Effect.sync(() => void events.push(e))
      const dag = dagOf([
        fake("a", [], log("a").pipe(Effect.as({ fixed: 2 }))),
        // b and c each wait for the other to have started: they can only finish if they run concurrently
        fake("b", ["a"], log("b").pipe(Effect.andThen(Deferred.succeed(bStarted, undefined)), Effect.andThen(Deferred.await(cStarted)), Effect.as({ to_register: 3, empty_course: 1 }))),
        fake("c", ["a"], log("c").pipe(Effect.andThen(Deferred.succeed(cStarted, undefined)), Effect.andThen(Deferred.await(bStarted)), Effect.as({ checked: 5 }))),
        fake("d", ["b", "c"], Effect.gen(function*() {
          const step = yield* StepContext
          yield* log(`d ${step.node} dry=${step.dryRun} limit=${step.limit}`)
          return { registered: 4 }
        }))
      ])
      const summary = yield* runDag(dag, "allJobs", { limit: 7 })
      assert.strictEqual(summary.status, "succeeded")
      assert.strictEqual(events[0], "a")
      assert.sameMembers(events.slice(1, 3), ["b", "c"])
      assert.strictEqual(events[3], "d d dry=false limit=7")

      const store = yield* RunStore
      const run = Option.getOrThrow(yield* store.getRun(summary.runId))
      assert.strictEqual(run.status, "succeeded")
      assert.strictEqual(run.limit, 7)
      assert.isDefined(run.finishedAt)
      assert.deepStrictEqual(run.steps.map((s) => [s.node, s.status, s.position]), [
        ["a", "succeeded", 0],
        ["b", "succeeded", 1],
        ["c", "succeeded", 2],
        ["d", "succeeded", 3]
      ])
      assert.deepStrictEqual(run.steps[1]!.counts, { to_register: 3, empty_course: 1 })
      assert.isDefined(run.steps[3]!.startedAt)
      // no lease left behind
      const sql = yield* SqlClient.SqlClient
      assert.deepStrictEqual(yield* sql.unsafe("SELECT * FROM node_leases"), [])
      // one Slack summary, no alert
      assert.strictEqual(slack.sent.length, 1)
      assert.include(slack.sent[0]!, `run ${summary.runId} (allJobs) succeeded`)
      assert.include(slack.sent[0]!, "- b: succeeded in 0ms: to_register 3, empty_course 1")
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("a failure stops its downstream, not its siblings; the error is recorded masked and alerted", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      let siblingRan = false
      const dag = dagOf([
        fake("a", [], Effect.fail(new Error("lead 378.457.608-70 (maria@example.com) rejected"))),
        fake("b", ["a"], Effect.die("b must not run")),
        fake("c", ["b"], Effect.die("c must not run")),
        fake("s", [], Effect.sync(() => (siblingRan = true)).pipe(Effect.as({ ok: 1 })))
      ])
      const summary = yield* runDag(dag, "allJobs")
      assert.strictEqual(summary.status, "failed")
      assert.isTrue(siblingRan)
      assert.strictEqual(stepOf(summary, "a").status, "failed")
      assert.strictEqual(stepOf(summary, "a").error, "Error: lead ***.457.***-** (m***@e***.com) rejected")
      assert.strictEqual(stepOf(summary, "b").status, "upstream_failed")
      assert.strictEqual(stepOf(summary, "b").error, "upstream failed: a")
      assert.strictEqual(stepOf(summary, "c").status, "upstream_failed")
      assert.strictEqual(stepOf(summary, "s").status, "succeeded")
      const store = yield* RunStore
      const run = Option.getOrThrow(yield* store.getRun(summary.runId))
      assert.strictEqual(run.status, "failed")
      assert.strictEqual(run.steps.find((s) => s.node === "a")!.error, "Error: lead ***.457.***-** (m***@e***.com) rejected")
      // an alert as soon as a failed, then the summary
      assert.strictEqual(slack.sent.length, 2)
      assert.strictEqual(slack.sent[0], `step a FAILED in run ${summary.runId} (allJobs): Error: lead ***.457.***-** (m***@e***.com) rejected`)
      for (const text of slack.sent) {
        assert.notInclude(text, "378.457.608-70")
        assert.notInclude(text, "maria@")
      }
      assert.include(slack.sent[1]!, "- c: not run: upstream failed: b")
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("a defect (a thrown exception) is recorded and does not crash the runner", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const dag = dagOf([
        fake("boom", [], Effect.sync(() => {
          throw new TypeError("cannot read (11) 97540-5666")
        })),
        fake("fine", [], Effect.succeed({ ok: 1, notANumber: Number.NaN }))
      ])
      const summary = yield* runDag(dag, "allJobs")
      // a NaN count is dropped, not stored as null
      assert.deepStrictEqual(stepOf(summary, "fine").counts, { ok: 1 })
      assert.strictEqual(summary.status, "failed")
      assert.strictEqual(stepOf(summary, "boom").error, `defect: TypeError: cannot read ${maskText("(11) 97540-5666")}`)
      assert.notInclude(stepOf(summary, "boom").error, "97540")
      assert.strictEqual(stepOf(summary, "fine").status, "succeeded")
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("resume re-runs only failed, upstream_failed and unfinished steps", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const runs = { a: 0, b: 0, c: 0, s: 0 }
      let bFails = true
      const dag = dagOf([
        fake("a", [], Effect.sync(() => runs.a++).pipe(Effect.as({ a: 1 }))),
        fake("b", ["a"], Effect.suspend(() => {
          runs.b++
          return bFails ? Effect.fail("catalog down") : Effect.succeed({ b: 1 })
        })),
        fake("c", ["b"], Effect.sync(() => runs.c++).pipe(Effect.as({ c: 1 }))),
        fake("s", [], Effect.sync(() => runs.s++).pipe(Effect.as({ s: 1 })))
      ])
      const first = yield* runDag(dag, "allJobs", { limit: 50 })
      assert.deepStrictEqual(first.steps.map((s) => s.status), ["succeeded", "failed", "upstream_failed", "succeeded"])
      bFails = false
      const second = yield* resume(dag, first.runId)
      assert.strictEqual(second.status, "succeeded")
      assert.strictEqual(second.resumedFrom, first.runId)
      assert.deepStrictEqual(runs, { a: 1, b: 2, c: 1, s: 1 })
      assert.strictEqual(stepOf(second, "a").note, `copied from run ${first.runId}`)
      assert.deepStrictEqual(stepOf(second, "a").counts, { a: 1 })
      assert.strictEqual(stepOf(second, "b").note, undefined)
      const store = yield* RunStore
      const record = Option.getOrThrow(yield* store.getRun(second.runId))
      assert.strictEqual(record.resumedFrom, first.runId)
      assert.strictEqual(record.limit, 50)
      assert.strictEqual(record.selection, "allJobs")
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("resume of a crashed run re-runs its running and pending steps", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const ran: Array<string> = []
      const mk = (name: string, up: ReadonlyArray<string>) => fake(name, up, Effect.sync(() => ran.push(name)).pipe(Effect.as({})))
      const dag = dagOf([mk("a", []), mk("b", ["a"]), mk("c", ["b"])])
      const store = yield* RunStore
      // what a process killed inside b leaves behind
      yield* store.createRun({ id: "run_crashed", selection: "a+", resumedFrom: undefined, limit: undefined, holder: "h:1", startedAt: 0 })
      yield* store.createSteps("run_crashed", ["a", "b", "c"])
      yield* store.finishStep("run_crashed", "a", { status: "succeeded", at: 0, counts: { x: 1 }, error: undefined, heldBy: undefined, note: undefined })
      yield* store.markRunning("run_crashed", "b", 0)
      const summary = yield* resume(dag, "run_crashed")
      assert.deepStrictEqual(ran, ["b", "c"])
      assert.strictEqual(summary.selection, "a+")
      assert.deepStrictEqual(summary.steps.map((s) => s.status), ["succeeded", "succeeded", "succeeded"])
      const missing = yield* resume(dag, "run_nope").pipe(Effect.flip)
      assert.strictEqual(missing._tag, "RunNotFound")
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("a run whose process was killed (a running step, its lease lapsed) is closed as failed by the next run", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const dag = dagOf([fake("a", [], Effect.succeed({})), fake("b", [], Effect.succeed({}))])
      const store = yield* RunStore
      yield* TestClock.setTime(1_000_000)
      // a live run: its running step holds its lease
      yield* store.createRun({ id: "run_live", selection: "a", resumedFrom: undefined, limit: undefined, holder: "h:1", startedAt: 1_000_000 })
      yield* store.createSteps("run_live", ["a"])
      yield* store.acquireLease({ key: "a", runId: "run_live", holder: "h:1", now: 1_000_000, ttl: Duration.seconds(60) })
      yield* store.markRunning("run_live", "a", 1_000_000)
      // a killed run: its running step's lease lapsed long ago
      yield* store.createRun({ id: "run_killed", selection: "b", resumedFrom: undefined, limit: undefined, holder: "h:2", startedAt: 0 })
      yield* store.createSteps("run_killed", ["b"])
      yield* store.acquireLease({ key: "b", runId: "run_killed", holder: "h:2", now: 0, ttl: Duration.seconds(60) })
      yield* store.markRunning("run_killed", "b", 0)
      const summary = yield* runDag(dag, "b")
      assert.strictEqual(summary.status, "succeeded")
      const killed = Option.getOrThrow(yield* store.getRun("run_killed"))
      assert.strictEqual(killed.status, "failed")
      assert.include(killed.error ?? "", "abandoned")
      assert.strictEqual(killed.steps[0]!.status, "failed")
      const live = Option.getOrThrow(yield* store.getRun("run_live"))
      assert.strictEqual(live.status, "running")
      assert.strictEqual(live.steps[0]!.status, "running")
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("a node running in another run is skipped with held_by; its downstream still runs; shared leases", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const entered = yield* Deferred.make<string>()
      const release = yield* Deferred.make<void>()
      let checkerRuns = 0
      let afterRuns = 0
      const dag = dagOf([
        fake("checker", [], Effect.gen(function*() {
          checkerRuns++
          const step = yield* StepContext
          if (checkerRuns === 1) {
            yield* Deferred.succeed(entered, step.runId)
            yield* Deferred.await(release)
          }
          return { checked: 1 }
        })),
        fake("after", ["checker"], Effect.sync(() => afterRuns++).pipe(Effect.as({ done: 1 }))),
        // same action, same lease
        fake("followUp", [], Effect.succeed({ followed: 1 }), { lease: "checker" })
      ])
      const first = yield* Effect.forkChild(runDag(dag, "checker"))
      const firstId = yield* Deferred.await(entered)
      const second = yield* runDag(dag, "allJobs")
      assert.strictEqual(second.status, "succeeded")
      assert.strictEqual(stepOf(second, "checker").status, "skipped")
      assert.strictEqual(stepOf(second, "checker").heldBy, firstId)
      assert.strictEqual(stepOf(second, "after").status, "succeeded")
      assert.strictEqual(stepOf(second, "followUp").status, "skipped")
      assert.strictEqual(stepOf(second, "followUp").heldBy, firstId)
      assert.strictEqual(checkerRuns, 1)
      assert.strictEqual(afterRuns, 1)
      yield* Deferred.succeed(release, undefined)
      const firstSummary = yield* Fiber.join(first)
      assert.strictEqual(firstSummary.status, "succeeded")
      // the lease is free again
      const third = yield* runDag(dag, "followUp")
      assert.strictEqual(stepOf(third, "followUp").status, "succeeded")
      assert.include(slack.sent.join("\n"), `- checker: skipped: already running in run ${firstId}`)
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("an expired lease (crashed holder) is taken over", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const dag = dagOf([fake("x", [], Effect.succeed({ ok: 1 }))])
      const store = yield* RunStore
      const taken = yield* store.acquireLease({ key: "x", runId: "run_dead", holder: "gone:1", now: 0, ttl: Duration.seconds(60) })
      assert.strictEqual(taken._tag, "Acquired")
      const blocked = yield* runDag(dag, "x")
      assert.strictEqual(stepOf(blocked, "x").status, "skipped")
      assert.strictEqual(stepOf(blocked, "x").heldBy, "run_dead")
      yield* TestClock.adjust(Duration.seconds(61))
      const after = yield* runDag(dag, "x")
      assert.strictEqual(stepOf(after, "x").status, "succeeded")
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("a lease taken over while the node runs stops the node (LeaseLost)", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const entered = yield* Deferred.make<void>()
      const dag = dagOf([fake("x", [], Deferred.succeed(entered, undefined).pipe(Effect.andThen(Effect.never)))])
      const fiber = yield* Effect.forkChild(runDag(dag, "x"))
      yield* Deferred.await(entered)
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe("UPDATE node_leases SET run_id = 'run_other'")
      yield* TestClock.adjust(Duration.seconds(20))
      const summary = yield* Fiber.join(fiber)
      assert.strictEqual(stepOf(summary, "x").status, "failed")
      assert.strictEqual(stepOf(summary, "x").error, "LeaseLost: lease x of x was lost (expired and taken by another run)")
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("a lease is renewed while its node runs", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const entered = yield* Deferred.make<string>()
      const release = yield* Deferred.make<void>()
      const dag = dagOf([fake("x", [], Effect.gen(function*() {
        yield* Deferred.succeed(entered, (yield* StepContext).runId)
        yield* Deferred.await(release)
        return {}
      }))])
      // each renewal is a real query: wait for it before moving the clock again
      const renewed = yield* Queue.unbounded<boolean>()
      const store = yield* RunStore
      const watched = RunStore.of({ ...store, renewLease: (r) => store.renewLease(r).pipe(Effect.tap((ok) => Queue.offer(renewed, ok))) })
      const fiber = yield* Effect.forkChild(runDag(dag, "x").pipe(Effect.provideService(RunStore, watched)))
      const runId = yield* Deferred.await(entered)
      for (let i = 0; i < 6; i++) {
        yield* TestClock.adjust(Duration.seconds(20))
        assert.isTrue(yield* Queue.take(renewed))
      }
      // 120 s later, twice the TTL: still ours, because it was renewed
      const holder = yield* store.leaseHolder("x", 120_000)
      assert.strictEqual(Option.getOrThrow(holder).runId, runId)
      yield* Deferred.succeed(release, undefined)
      assert.strictEqual((yield* Fiber.join(fiber)).status, "succeeded")
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("interruption records steps in flight as failed (interrupted), releases leases, cancels the run", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const entered = yield* Deferred.make<string>()
      const dag = dagOf([
        fake("x", [], Effect.gen(function*() {
          yield* Deferred.succeed(entered, (yield* StepContext).runId)
          return yield* Effect.never
        })),
        fake("y", ["x"], Effect.succeed({}))
      ])
      const fiber = yield* Effect.forkChild(runDag(dag, "allJobs"))
      const runId = yield* Deferred.await(entered)
      yield* Fiber.interrupt(fiber)
      const store = yield* RunStore
      const run = Option.getOrThrow(yield* store.getRun(runId))
      assert.strictEqual(run.status, "cancelled")
      assert.deepStrictEqual(run.steps.map((s) => [s.node, s.status, s.error]), [["x", "failed", "interrupted"], ["y", "pending", undefined]])
      assert.isTrue(Option.isNone(yield* store.leaseHolder("x", 0)))
      assert.include(slack.sent.join("\n"), `run ${runId} (allJobs) cancelled`)
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("dry-run writes nothing, takes no lease, sends no Slack, and passes dryRun to nodes", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const store = yield* RunStore
      // an earlier run, so the tables are not empty
      yield* runDag(dagOf([fake("x", [], Effect.succeed({ ok: 1 }))]), "x")
      slack.sent.length = 0
      const before = yield* dumpTables
      const seen: Array<boolean> = []
      const dag = dagOf([
        fake("x", [], Effect.gen(function*() {
          seen.push((yield* StepContext).dryRun)
          return { would_register: 3 }
        })),
        fake("y", ["x"], Effect.fail("planned failure"))
      ])
      const summary = yield* runDag(dag, "allJobs", { dryRun: true })
      assert.isTrue(summary.dryRun)
      assert.deepStrictEqual(seen, [true])
      assert.deepStrictEqual(stepOf(summary, "x").counts, { would_register: 3 })
      assert.strictEqual(stepOf(summary, "y").status, "failed")
      assert.strictEqual(yield* dumpTables, before)
      assert.deepStrictEqual(slack.sent, [])
      assert.isTrue(Option.isNone(yield* store.getRun(summary.runId)))
      // a dry-run resume reads the old run and still writes nothing
      const runs = yield* store.listRuns(10)
      const again = yield* resume(dag, runs[0]!.id, { dryRun: true })
      assert.isTrue(again.dryRun)
      assert.strictEqual(yield* dumpTables, before)
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("an unknown selection fails before anything is recorded", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const before = yield* dumpTables
      const error = yield* runDag(dagOf([fake("x", [], Effect.succeed({}))]), "y").pipe(Effect.flip)
      assert.strictEqual(error._tag, "UnknownSelection")
      assert.strictEqual(yield* dumpTables, before)
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("listRuns is latest first with steps", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const dag = dagOf([fake("x", [], Effect.succeed({ ok: 1 })), fake("y", ["x"], Effect.succeed({ ok: 2 }))])
      const first = yield* runDag(dag, "x")
      yield* TestClock.adjust(Duration.seconds(5))
      const second = yield* runDag(dag, "allJobs")
      const store = yield* RunStore
      const runs = yield* store.listRuns(10)
      assert.deepStrictEqual(runs.map((r) => r.id), [second.runId, first.runId])
      assert.deepStrictEqual(runs[0]!.steps.map((s) => s.node), ["x", "y"])
      assert.strictEqual(runs[1]!.startedAt, 0)
      assert.strictEqual(runs[0]!.startedAt, 5000)
      assert.strictEqual((yield* store.listRuns(1)).length, 1)
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("startRun refuses a busy node with NodeBusy and writes nothing", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const dag = dagOf([fake("x", [], Effect.succeed({})), fake("y", ["x"], Effect.succeed({}))])
      const store = yield* RunStore
      yield* store.acquireLease({ key: "y", runId: "run_other", holder: "h:1", now: 0, ttl: Duration.seconds(60) })
      const before = yield* dumpTables
      const busy = yield* startRun(dag, "allJobs").pipe(Effect.scoped, Effect.flip)
      assert.strictEqual(busy._tag, "NodeBusy")
      if (busy._tag === "NodeBusy") assert.deepStrictEqual([busy.node, busy.heldBy], ["y", "run_other"])
      assert.strictEqual(yield* dumpTables, before)
    }).pipe(Effect.provide(storeLayer(kind, slack.layer)))
  })

  it.effect("startRun returns the run id at once and runs the steps in the background", () => {
    const ended = Deferred.makeUnsafe<string>()
    const notifier = Layer.succeed(Notifier, Notifier.of({ notify: (n) => Deferred.succeed(ended, n.text).pipe(Effect.asVoid) }))
    return Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const dag = dagOf([fake("x", [], Deferred.await(release).pipe(Effect.as({ ok: 1 })))])
      const store = yield* RunStore
      const runId = yield* startRun(dag, "x")
      const running = Option.getOrThrow(yield* store.getRun(runId))
      assert.strictEqual(running.status, "running")
      yield* Deferred.succeed(release, undefined)
      assert.include(yield* Deferred.await(ended), `run ${runId} (x) succeeded`)
      assert.strictEqual(Option.getOrThrow(yield* store.getRun(runId)).status, "succeeded")
    }).pipe(Effect.scoped, Effect.provide(storeLayer(kind, notifier)))
  })
})
