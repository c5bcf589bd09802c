// The whole pipeline on the sample export against the HTTP sandbox: every lead ends where the fixtures say,
// nothing is posted twice, the budget is never exceeded, the run is recorded with its steps.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { importLeads } from "../../src/actions/importLeads.ts"
import { allJobsDag } from "../../src/dag/allJobs.ts"
import { runDag } from "../../src/dag/Runner.ts"
import {
  acquireE2eSandbox,
  acquireSchema,
  compareStatuses,
  defaultWindow,
  duplicates,
  expectedSample,
  leads,
  openAttempts,
  pipelineOn,
  postsAndInscriptions,
  query,
  sampleExport,
  sandboxEnv
} from "./support.ts"

describe("allJobs end to end on the sample export", () => {
  it.live("every lead ends in the status the fixtures imply; one POST per CPF; no 429; the run is recorded", () =>
    Effect.gen(function*() {
      const expected = expectedSample()
      // the sample exercises every branch, or this test would prove less than it claims
      for (const s of ["invalid_data", "empty_course", "to_register", "registered", "awaiting_register", "enrolled", "dropped"]) {
        assert.isTrue(expected.some((e) => e.afterRun === s), `the sample has a lead ending ${s}`)
      }
      const schema = yield* acquireSchema
      const sandbox = yield* acquireE2eSandbox()
      const env = sandboxEnv(sandbox)

      const summary = yield* Effect.gen(function*() {
        yield* importLeads(sampleExport)
        return yield* runDag(allJobsDag, "allJobs")
      }).pipe(Effect.provide(pipelineOn(schema, env)))
      assert.strictEqual(summary.status, "succeeded")

      const rows = yield* leads(schema)
      assert.deepStrictEqual(compareStatuses(expected, rows, (e) => e.afterRun), [])

      // exactly the leads Kroton did not know were posted, each once
      const { inscriptions, posts } = postsAndInscriptions(sandbox)
      assert.deepStrictEqual(duplicates(posts), [])
      assert.deepStrictEqual(duplicates(inscriptions), [])
      assert.deepStrictEqual([...posts.keys()].sort(), expected.filter((e) => e.posted).map((e) => e.cpf!).sort())
      assert.strictEqual(yield* openAttempts(schema), 0)

      // the budget held on our side: the sandbox never throttled and never saw more than the limit in a window
      const log = sandbox.log()
      assert.deepStrictEqual(log.filter((e) => e.status === 429).length, 0)
      for (const upstream of ["kroton", "catalog"] as const) {
        assert.isAtMost(sandbox.maxInAnyWindow(upstream, defaultWindow.windowMs), defaultWindow.limit)
      }

      // the run and its steps, as recorded
      const runs = yield* query<{ id: string; status: string; selection: string }>(schema, "SELECT id, status, selection FROM runs")
      assert.deepStrictEqual(runs, [{ id: summary.runId, status: "succeeded", selection: "allJobs" }])
      // counts as text: the driver's camelCasing of result names would reach into the JSON's keys
      const steps = yield* query<{ node: string; status: string; counts: string }>(
        schema,
        "SELECT node, status, counts::text AS counts FROM run_steps ORDER BY position"
      )
      assert.deepStrictEqual(steps.map((s) => [s.node, s.status]), [
        ["fixData", "succeeded"],
        ["syncCourses", "succeeded"],
        ["checker", "succeeded"],
        ["register", "succeeded"],
        ["followUp", "succeeded"]
      ])
      const registerCounts = JSON.parse(steps.find((s) => s.node === "register")!.counts) as Record<string, number>
      assert.strictEqual(
        (registerCounts["registered"] ?? 0) + (registerCounts["awaiting_register"] ?? 0),
        expected.filter((e) => e.posted).length
      )
      // every status change a step made is recorded with this run (the import's own rows carry no step)
      const recorded = yield* query<{ step: string | null; runId: string | null; n: number }>(
        schema,
        "SELECT step, run_id, count(*)::int AS n FROM lead_transitions GROUP BY step, run_id ORDER BY step"
      )
      assert.deepStrictEqual(
        recorded.filter((r) => r.step !== null).map((r) => [r.step, r.runId]),
        [["register", summary.runId], ["syncCourses", summary.runId]]
      )

      // a day later Kroton has settled the inscriptions and moved the classifications: the checker follows
      sandbox.advanceDay()
      const later = yield* runDag(allJobsDag, "checker").pipe(Effect.provide(pipelineOn(schema, env)))
      assert.strictEqual(later.status, "succeeded")
      assert.deepStrictEqual(compareStatuses(expected, yield* leads(schema), (e) => e.afterDay), [])
      assert.deepStrictEqual(duplicates(sandbox.postsByCpf()), [])
      assert.strictEqual(sandbox.log().filter((e) => e.status === 429).length, 0)
    }).pipe(Effect.scoped), 60_000)
})
