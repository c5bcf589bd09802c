// Runner behaviour that needs no database: the in-memory RunStore with a faulty renewal.
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Queue } from "effect"
import { makeMemory, RunStore, RunStoreFailed } from "../../src/dag/RunStore.ts"
import { runDag } from "../../src/dag/Runner.ts"
import { dagOf, fake, recordingNotifier } from "./support.ts"
import { TestClock } from "effect/testing"

describe("runner with an unreachable database", () => {
  it.effect("a lease that could not be renewed for a whole TTL stops the node", () => {
    const slack = recordingNotifier()
    return Effect.gen(function*() {
      const memory = makeMemory()
      const attempts = yield* Queue.unbounded<void>()
      const store = RunStore.of({
        ...memory,
        renewLease: () => Queue.offer(attempts, undefined).pipe(Effect.andThen(Effect.fail(new RunStoreFailed({ operation: "renew", reason: "connection refused" }))))
      })
      const entered = yield* Deferred.make<void>()
      const dag = dagOf([fake("x", [], Deferred.succeed(entered, undefined).pipe(Effect.andThen(Effect.never)))])
      const fiber = yield* Effect.forkChild(runDag(dag, "x").pipe(Effect.provideService(RunStore, store)))
      yield* Deferred.await(entered)
      for (let i = 0; i < 2; i++) {
        yield* TestClock.adjust(Duration.seconds(20))
        yield* Queue.take(attempts)
      }
      // 40 s without a renewal: still running
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust(Duration.seconds(20))
      const summary = yield* Fiber.join(fiber)
      assert.strictEqual(summary.steps[0]!.status, "failed")
      assert.include(summary.steps[0]!.error!, "LeaseLost")
    }).pipe(Effect.provide(slack.layer))
  })
})
