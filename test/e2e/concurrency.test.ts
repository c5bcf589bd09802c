// Two allJobs processes started at once on one database, and a `run checker` started while one of them follows
// up the inscriptions (its first poll hangs, holding the "checker" lease): no lead handled twice, nobody posted twice, the budget
// shared (never over the limit, never a 429), the overlapping nodes recorded as skipped with the holder's run.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { importLeads } from "../../src/actions/importLeads.ts"
import { allJobsDag } from "../../src/dag/allJobs.ts"
import {
  acquireCli,
  acquireE2eSandbox,
  acquireSchema,
  awaitExit,
  compareStatuses,
  defaultWindow,
  duplicates,
  expectedSample,
  leads,
  pipelineOn,
  postsAndInscriptions,
  query,
  sampleExport,
  sandboxEnv,
  waitUntil
} from "./support.ts"

interface StepRow {
  readonly runId: string
  readonly node: string
  readonly status: string
  readonly heldBy: string | null
  readonly startedAt: number | null
  readonly finishedAt: number | null
}

describe("concurrent runs on one database", () => {
  it.live("two allJobs at once and a checker in the middle: nothing twice, budget shared, overlaps skipped", () =>
    Effect.gen(function*() {
      const expected = expectedSample()
      const schema = yield* acquireSchema
      const sandbox = yield* acquireE2eSandbox()
      const env = {
        ...sandboxEnv(sandbox),
        DATABASE_URL: schema.url,
        // a lead asked about is not asked again in these runs: anything asked twice was handled twice
        CHECK_INTERVAL: "1 hour",
        // long enough for a third process to start while the lease is held, even on a loaded machine
        KROTON_TIMEOUT: "12s"
      }
      yield* importLeads(sampleExport).pipe(Effect.provide(pipelineOn(schema, env)))
      // the first poll of an inscription code hangs until the timeout: the follow-up holds its lease meanwhile
      sandbox.setFaults("kroton", { routes: ["inscriptionByCode"], next: ["hang"] })

      const a = yield* acquireCli(["run", "allJobs"], env)
      const b = yield* acquireCli(["run", "allJobs"], env)
      // the follow-up of inscriptions runs in the followUp node, or in a checker that started after a register:
      // either way under the one "checker" lease, so at most one of them is running
      const following = () =>
        Effect.map(
          query<{ runId: string }>(schema, "SELECT run_id FROM run_steps WHERE node IN ('checker', 'followUp') AND status = 'running'"),
          (rows) => rows[0]?.runId
        )
      yield* waitUntil(
        "a follow-up of inscriptions to hang on its first poll",
        Effect.map(following(), (id) => id !== undefined && sandbox.log().some((e) => e.fault === "hang")),
        45_000,
        50
      )
      const holder = (yield* following())!
      const c = yield* acquireCli(["run", "checker"], env)
      const [doneA, doneB, doneC] = yield* Effect.all([awaitExit(a), awaitExit(b), awaitExit(c)], { concurrency: "unbounded" })
      for (const done of [doneA, doneB, doneC]) assert.strictEqual(done.code, 0, done.stderr.slice(-2000))

      // the checker started mid-follow-up was skipped, naming the run that held the lease
      const runC = /run (run_\S+) \(checker\)/.exec(doneC.stdout)![1]!
      const steps = yield* query<StepRow>(
        schema,
        `SELECT run_id, node, status, held_by, (extract(epoch FROM started_at) * 1000)::float8 AS started_at,
                (extract(epoch FROM finished_at) * 1000)::float8 AS finished_at FROM run_steps ORDER BY run_id, position`
      )
      const runIds = new Set(steps.map((s) => s.runId))
      assert.strictEqual(runIds.size, 3)
      assert.deepStrictEqual(
        steps.filter((s) => s.runId === runC).map((s) => [s.node, s.status, s.heldBy]),
        [["checker", "skipped", holder]]
      )
      // a skipped step names another run; steps sharing a lease never ran at the same time
      for (const s of steps.filter((x) => x.status === "skipped")) {
        assert.isTrue(s.heldBy !== null && s.heldBy !== s.runId && runIds.has(s.heldBy), `${s.node} skipped, held by another run`)
      }
      const leaseOf = (node: string) => allJobsDag.byName.get(node)!.lease ?? node
      const ran = steps.filter((s) => s.status === "succeeded")
      for (const x of ran) {
        for (const y of ran) {
          if (x === y || leaseOf(x.node) !== leaseOf(y.node)) continue
          const overlap = x.startedAt! < y.finishedAt! && y.startedAt! < x.finishedAt!
          assert.isFalse(overlap, `${x.runId}/${x.node} and ${y.runId}/${y.node} ran at once`)
        }
      }
      assert.deepStrictEqual(
        (yield* query<{ status: string }>(schema, "SELECT status FROM runs")).map((r) => r.status),
        ["succeeded", "succeeded", "succeeded"]
      )

      // no lead handled twice: one intent to post, one move out of each status, one move per step
      const attempts = yield* query<{ n: number }>(
        schema,
        "SELECT count(*)::int AS n FROM register_attempts GROUP BY subscription_id HAVING count(*) > 1"
      )
      assert.deepStrictEqual(attempts, [])
      const twice = yield* query<{ subscriptionId: number; key: string; n: number }>(
        schema,
        `SELECT subscription_id::float8 AS subscription_id, key, count(*)::int AS n FROM (
           SELECT subscription_id, 'step ' || step AS key FROM lead_transitions WHERE step IS NOT NULL
           UNION ALL SELECT subscription_id, 'from ' || from_status FROM lead_transitions WHERE from_status IS NOT NULL
         ) t GROUP BY subscription_id, key HAVING count(*) > 1`
      )
      assert.deepStrictEqual(twice, [])
      const { inscriptions, posts } = postsAndInscriptions(sandbox)
      assert.deepStrictEqual(duplicates(posts), [])
      assert.deepStrictEqual([...inscriptions.keys()].sort(), expected.filter((e) => e.posted).map((e) => e.cpf!).sort())

      // one budget for every process: never more than the limit in any window, never throttled
      assert.strictEqual(sandbox.log().filter((e) => e.status === 429).length, 0)
      assert.isAtMost(sandbox.maxInAnyWindow("kroton", defaultWindow.windowMs), defaultWindow.limit)
      assert.isAtMost(sandbox.maxInAnyWindow("catalog", defaultWindow.windowMs), defaultWindow.limit)

      assert.deepStrictEqual(compareStatuses(expected, yield* leads(schema), (e) => e.afterRun), [])
    }).pipe(Effect.scoped), 90_000)
})
