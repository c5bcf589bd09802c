// A register process killed with SIGKILL between its intents to post and Kroton's answers: half of its POSTs
// were processed by Kroton (their answers never recorded), half hang unprocessed. Started again, it posts
// nobody twice, loses nobody, and reconciles every open attempt by CPF.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { importLeads } from "../../src/actions/importLeads.ts"
import { allJobsDag } from "../../src/dag/allJobs.ts"
import { runDag } from "../../src/dag/Runner.ts"
import {
  acquireCli,
  acquireE2eSandbox,
  acquireSchema,
  awaitExit,
  compareStatuses,
  duplicates,
  expectedSample,
  leads,
  openAttempts,
  pipelineOn,
  postsAndInscriptions,
  query,
  reconciledCpfs,
  sampleExport,
  sandboxEnv,
  waitUntil
} from "./support.ts"

describe("register killed with SIGKILL mid-batch, then started again", () => {
  it.live("no duplicate POST, no lead lost, the open attempts reconciled", () =>
    Effect.gen(function*() {
      const expected = expectedSample()
      const schema = yield* acquireSchema
      const sandbox = yield* acquireE2eSandbox()
      const env = {
        ...sandboxEnv(sandbox),
        DATABASE_URL: schema.url,
        // leads the checker just asked about are not asked again: only an open attempt makes register ask by CPF
        CHECK_INTERVAL: "1 hour",
        // the hung POSTs are never given up: the kill, not a timeout, ends them
        KROTON_TIMEOUT: "60s",
        // the dead process's claims and lease lapse quickly
        CLAIM_TTL: "2 seconds",
        DAG_LEASE_TTL: "3 seconds"
      }
      // everything up to register, in this process
      const before = yield* Effect.gen(function*() {
        yield* importLeads(sampleExport)
        const synced = yield* runDag(allJobsDag, "fixData,syncCourses")
        // the checker after the sync (in allJobs they run side by side): the ready leads are asked about now
        return [synced, yield* runDag(allJobsDag, "checker")]
      }).pipe(Effect.provide(pipelineOn(schema, env)))
      assert.deepStrictEqual(before.map((s) => s.status), ["succeeded", "succeeded"])

      // every second POST hangs before Kroton processes it; the others are processed and answered
      sandbox.setFaults("kroton", { routes: ["register"], every: { n: 2, kind: "hang" } })
      const registerPosts = () => sandbox.log().filter((e) => e.route === "register")
      const first = yield* acquireCli(["run", "register"], env)
      yield* waitUntil(
        "answered and hung POSTs in flight together",
        Effect.sync(() => {
          const posts = registerPosts()
          return posts.filter((e) => e.status === 201).length >= 3 && posts.filter((e) => e.fault === "hang").length >= 3
        }),
        30_000
      )
      // the batch cannot be recorded while some of its POSTs hang: kill between the intents and the answers
      const intents = yield* openAttempts(schema)
      first.process.kill("SIGKILL")
      const killed = yield* awaitExit(first)
      assert.strictEqual(killed.signal, "SIGKILL")
      const inscribedBeforeKill = new Set(sandbox.inscriptions().filter((r) => r.origin === "register").map((r) => r.cpf))
      assert.isAtLeast(inscribedBeforeKill.size, 3)
      assert.isAtLeast(intents, inscribedBeforeKill.size + 3, "the intents were committed before the POSTs")
      assert.strictEqual(yield* openAttempts(schema), intents, "no answer was recorded")
      const answered = yield* query<{ n: number }>(schema, "SELECT count(*)::int AS n FROM register_attempts WHERE finished_at IS NOT NULL")
      assert.strictEqual(answered[0]!.n, 0)

      // Kroton is well again; once the dead process's lease and claims lapse, register runs again
      sandbox.setFaults("kroton", {})
      yield* waitUntil(
        "the dead process's lease and claims to lapse",
        Effect.map(
          query<{ n: number }>(
            schema,
            "SELECT (SELECT count(*) FROM node_leases WHERE expires_at > now()) + (SELECT count(*) FROM lead_claims WHERE claimed_until > now()) AS n"
          ),
          (rows) => Number(rows[0]!.n) === 0
        ),
        15_000,
        200
      )
      const second = yield* acquireCli(["run", "register"], env)
      const done = yield* awaitExit(second)
      assert.strictEqual(done.code, 0, done.stderr.slice(-2000))
      assert.match(done.stdout, /- register: succeeded/)

      // nobody posted twice; exactly the leads Kroton did not know were inscribed, once each
      const { inscriptions, posts } = postsAndInscriptions(sandbox)
      assert.deepStrictEqual(duplicates(posts), [])
      assert.deepStrictEqual(duplicates(inscriptions), [])
      assert.deepStrictEqual([...inscriptions.keys()].sort(), expected.filter((e) => e.posted).map((e) => e.cpf!).sort())
      // the attempts left open by the kill were all closed; those Kroton had processed were reconciled by CPF
      assert.strictEqual(yield* openAttempts(schema), 0)
      const reconciled = yield* reconciledCpfs(schema)
      for (const cpf of inscribedBeforeKill) assert.isTrue(reconciled.has(cpf), "a POST processed before the kill is reconciled")
      // no lead lost: every lead where a run without the crash would have left it (a reconciled one is registered)
      assert.deepStrictEqual(
        compareStatuses(expected, yield* leads(schema), (e) => e.afterRun, (e, got) => reconciled.has(e.cpf!) && got === "registered"),
        []
      )
    }).pipe(Effect.scoped), 90_000)
})
