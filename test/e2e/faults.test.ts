// Every fault the sandbox can inject, on Kroton and on the catalog at once, during a whole allJobs run: the run
// ends, every lead is in a defined status, no CPF is posted twice; then, with the faults gone, a second run heals
// what can be healed (course_failed leads synced, attempts of unknown outcome reconciled by CPF) and every lead
// ends where a run without faults would have left it.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { importLeads } from "../../src/actions/importLeads.ts"
import { allJobsDag } from "../../src/dag/allJobs.ts"
import { runDag } from "../../src/dag/Runner.ts"
import type { FaultKind, FaultPlan } from "../../src/sandbox/Sandbox.ts"
import {
  acquireE2eSandbox,
  acquireSchema,
  compareStatuses,
  duplicates,
  expectedSample,
  leads,
  openAttempts,
  pipelineOn,
  postsAndInscriptions,
  reconciledCpfs,
  sampleExport,
  sandboxEnv
} from "./support.ts"

interface Scenario {
  readonly name: string
  readonly kind: FaultKind
  readonly kroton: FaultPlan
  /** the POST gets no usable answer: the outcome is unknown and must be reconciled by CPF */
  readonly unanswered: boolean
}

// Every third Kroton request, so that some register POSTs of a batch (sent one after the other) always meet it;
// rarer for the kinds whose cost is time (each 429 pauses every request for its Retry-After) or whose repetition
// inside one call means refused credentials (a renewed token refused again fails the step by design).
const scenario = (kind: FaultKind, extra: Partial<FaultPlan> = {}, name: string = kind): Scenario => ({
  name,
  kind,
  kroton: { every: { n: kind === "429" ? 12 : kind === "expire-token" ? 25 : kind === "hang" ? 4 : 3, kind }, ...extra },
  unanswered: kind !== "429" && kind !== "expire-token"
})

const scenarios: ReadonlyArray<Scenario> = [
  scenario("500"),
  scenario("502"),
  scenario("503"),
  scenario("504"),
  scenario("reset"),
  scenario("hang"),
  scenario("malformed"),
  scenario("429", { retryAfterSeconds: 1 }),
  scenario("post-then-fail"),
  scenario("post-then-fail", { postThenFail: "reset" }, "post-then-fail (reset)"),
  scenario("expire-token")
]

const expected = expectedSample()

const env = (base: Record<string, string>) => ({
  ...base,
  KROTON_TIMEOUT: "1500ms",
  OFFER_CATALOG_TIMEOUT: "1500ms",
  // one attempt per search: every second search fails for good, whatever the order of the requests
  OFFER_CATALOG_MAX_ATTEMPTS: "1"
})

describe.concurrent("faults during allJobs, then a healing run", () => {
  for (const s of scenarios) {
    it.live(`${s.name} on Kroton and on the catalog`, () =>
      Effect.gen(function*() {
        const schema = yield* acquireSchema
        const sandbox = yield* acquireE2eSandbox()
        const services = pipelineOn(schema, env(sandboxEnv(sandbox)))
        yield* importLeads(sampleExport).pipe(Effect.provide(services))

        sandbox.setFaults("kroton", s.kroton)
        sandbox.setFaults("catalog", { every: { n: 2, kind: s.kind } })
        const first = yield* runDag(allJobsDag, "allJobs").pipe(Effect.provide(services))
        assert.strictEqual(first.status, "succeeded", JSON.stringify(first.steps))
        const log = sandbox.log()
        assert.isTrue(log.some((e) => e.upstream === "kroton" && e.fault === s.kind), "Kroton met the fault")
        assert.isTrue(log.some((e) => e.upstream === "catalog" && e.fault === s.kind), "the catalog met the fault")
        if (s.unanswered) assert.isTrue(log.some((e) => e.route === "register" && e.fault === s.kind), "a POST met the fault")

        // no lead lost, none left unsynced, none posted twice
        const afterFaults = yield* leads(schema)
        assert.strictEqual(afterFaults.length, expected.length)
        assert.deepStrictEqual(afterFaults.filter((r) => r.status === "to_sync"), [])
        assert.isTrue(afterFaults.some((r) => r.status === "course_failed"), "some searches failed for good")
        assert.deepStrictEqual(duplicates(postsAndInscriptions(sandbox).posts), [])
        const unknownOutcomes = (yield* openAttempts(schema)) + (yield* reconciledCpfs(schema)).size
        if (s.unanswered) assert.isAbove(unknownOutcomes, 0, "some POSTs had an unknown outcome")

        // the faults end; the next run heals
        sandbox.setFaults("kroton", {})
        sandbox.setFaults("catalog", {})
        const second = yield* runDag(allJobsDag, "allJobs").pipe(Effect.provide(services))
        assert.strictEqual(second.status, "succeeded", JSON.stringify(second.steps))
        assert.strictEqual(yield* openAttempts(schema), 0)
        const reconciled = yield* reconciledCpfs(schema)
        const rows = yield* leads(schema)
        // a POST whose answer was lost is settled by what Kroton says by CPF: an inscription means "registered"
        // (its processing is followed by CPF from then on), never a second POST
        assert.deepStrictEqual(
          compareStatuses(expected, rows, (e) => e.afterRun, (e, got) => reconciled.has(e.cpf!) && got === "registered"),
          []
        )
        const { inscriptions, posts } = postsAndInscriptions(sandbox)
        assert.deepStrictEqual(duplicates(posts), [])
        assert.deepStrictEqual(duplicates(inscriptions), [])
        assert.deepStrictEqual([...inscriptions.keys()].sort(), expected.filter((e) => e.posted).map((e) => e.cpf!).sort())
      }).pipe(Effect.scoped), 90_000)
  }
})
